using System.Collections.Frozen;
using MeshProxy.Grpc;
using Prometheus;

namespace MeshProxy.Observability.Metrics;

/// <summary>
/// The labelled children that calls of one route to one of its clusters record into. A slot is filled by the first
/// call with its protocol and grpc-status (prometheus-net's <c>WithLabels</c>, once) and read by index afterwards, so
/// recording a call does no label lookup and allocates nothing. Two first calls racing for a slot both get
/// prometheus-net's one child for those labels. A child is exposed only once it has recorded (SuppressInitialValue),
/// so the label sets never used stay out of the scrape.
/// </summary>
internal sealed class RouteClusterSeries
{
    private const int Slots = CallFamilies.ProtocolCount * GrpcStatusLabel.Count;

    private readonly CallFamilies _families;
    private readonly string _route;
    private readonly string _cluster;
    private readonly Counter.Child?[] _requests = new Counter.Child?[Slots];
    private readonly Histogram.Child?[] _durations = new Histogram.Child?[Slots];

    // By destination name, then grpc-status.
    private readonly FrozenDictionary<string, Histogram.Child?[]> _attempts;

    public RouteClusterSeries(CallFamilies families, string route, string cluster, IEnumerable<string> destinations)
    {
        _families = families;
        _route = route;
        _cluster = cluster;
        _attempts = destinations.Distinct(StringComparer.Ordinal).ToFrozenDictionary(d => d, _ => new Histogram.Child?[GrpcStatusLabel.Count], StringComparer.Ordinal);
    }

    public void RecordCall(CallProtocol protocol, StatusCode status, double seconds)
    {
        var statusIndex = GrpcStatusLabel.Index(status);
        var slot = ((int)protocol * GrpcStatusLabel.Count) + statusIndex;
        var requests = _requests[slot] ??= _families.Requests.WithLabels(CallFamilies.ProtocolLabel(protocol), _route, _cluster, GrpcStatusLabel.ForIndex(statusIndex));
        var duration = _durations[slot] ??= _families.RequestDuration.WithLabels(CallFamilies.ProtocolLabel(protocol), _route, _cluster, GrpcStatusLabel.ForIndex(statusIndex));
        requests.Inc();
        duration.Observe(seconds);
    }

    /// <summary>False when <paramref name="backend"/> is not a destination of this cluster in the snapshot the cache was built from.</summary>
    public bool TryRecordAttempt(string backend, StatusCode status, double seconds)
    {
        if (!_attempts.TryGetValue(backend, out var slots))
        {
            return false;
        }

        var statusIndex = GrpcStatusLabel.Index(status);
        var attempt = slots[statusIndex] ??= _families.AttemptDuration.WithLabels(_route, _cluster, backend, GrpcStatusLabel.ForIndex(statusIndex));
        attempt.Observe(seconds);
        return true;
    }
}
