using MeshProxy.TrafficPolicy;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.Routing;

/// <summary>
/// What the gRPC endpoint chose for a call (route, cluster, destination), published as an HttpContext feature for the
/// telemetry around it: request metrics, access log and trace tags read it after the endpoint returns. The telemetry
/// middleware installs one per call; the endpoint fills it in. Names only, all from the config: bounded labels.
/// </summary>
internal sealed class RoutedCall
{
    public string Route { get; private set; } = string.Empty;

    public string Cluster { get; private set; } = string.Empty;

    /// <summary>The destination of the latest attempt; empty when none was picked.</summary>
    public string Destination { get; private set; } = string.Empty;

    /// <summary>The address (URI prefix) of that destination; for the access log only, never a metric label.</summary>
    public string DestinationAddress { get; private set; } = string.Empty;

    /// <summary>Forwarding attempts made so far (0 when the call was answered by the proxy itself).</summary>
    public int Attempts { get; private set; }

    /// <summary>
    /// When the latest attempt started (a <see cref="TimeProvider"/> timestamp); null while it is the first, which
    /// is timed from the call's start.
    /// </summary>
    public long? AttemptStarted { get; private set; }

    /// <summary>
    /// True once the forwarding loop records each attempt's metric itself (<c>MeshProxyMetrics.RecordAttempt</c>); until
    /// then the telemetry middleware records the call's single attempt.
    /// </summary>
    public bool AttemptsRecorded { get; set; }

    /// <summary>Publishes the route and cluster picked, and the destination of the first attempt (null: none available).</summary>
    public static void Publish(HttpContext context, Route route, ClusterState cluster, DestinationState? destination)
    {
        if (context.Features.Get<RoutedCall>() is { } call)
        {
            call.Route = route.Name;
            call.Cluster = cluster.Name;
            if (destination is not null)
            {
                call.Attempted(destination);
            }
        }
    }

    /// <summary>Counts the call's first attempt, at <paramref name="destination"/>.</summary>
    public void Attempted(DestinationState destination)
    {
        Destination = destination.Name;
        DestinationAddress = destination.Prefix;
        Attempts++;
    }

    /// <summary>Counts one more attempt (a retry), at <paramref name="destination"/>, started at <paramref name="startTimestamp"/>.</summary>
    public void Attempted(DestinationState destination, long startTimestamp)
    {
        Attempted(destination);
        AttemptStarted = startTimestamp;
    }
}
