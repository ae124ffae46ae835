using Prometheus;

namespace MeshProxy.Observability.Metrics;

/// <summary>The metric families every call records into, whose children <see cref="CallSeriesCache"/> keeps.</summary>
internal sealed class CallFamilies(Counter requests, Histogram requestDuration, Histogram attemptDuration, Counter transcodingRequests)
{
    /// <summary>How many <see cref="CallProtocol"/> values there are.</summary>
    public const int ProtocolCount = 2;

    private static readonly string[] ProtocolLabels = ["grpc", "rest"];

    /// <summary><c>meshproxy_requests_total</c> {protocol, route, cluster, grpc_status}.</summary>
    public Counter Requests { get; } = requests;

    /// <summary><c>meshproxy_request_duration_seconds</c> {protocol, route, cluster, grpc_status}.</summary>
    public Histogram RequestDuration { get; } = requestDuration;

    /// <summary><c>meshproxy_upstream_attempt_duration_seconds</c> {route, cluster, backend, grpc_status}.</summary>
    public Histogram AttemptDuration { get; } = attemptDuration;

    /// <summary><c>meshproxy_transcoding_requests_total</c> {route, http_status}.</summary>
    public Counter TranscodingRequests { get; } = transcodingRequests;

    public static string ProtocolLabel(CallProtocol protocol) => ProtocolLabels[(int)protocol];
}
