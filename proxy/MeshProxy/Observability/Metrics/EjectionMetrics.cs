using MeshProxy.TrafficPolicy;

namespace MeshProxy.Observability.Metrics;

/// <summary>
/// Feeds outlier-detection ejections into <c>meshproxy_outlier_ejections_total</c>. Called under the cluster's
/// availability lock, so it only updates a counter. The ejected-hosts and endpoint-state gauges are not kept from these
/// events: they are read from the live clusters at scrape (a destination removed by a reload while ejected never
/// reports its return).
/// </summary>
internal sealed class EjectionMetrics(MeshProxyMetrics metrics) : IEjectionListener
{
    public void DestinationEjected(string cluster, string destination, string reason) => metrics.RecordEjection(cluster, reason);

    public void DestinationReturned(string cluster, string destination)
    {
        // Nothing to count: the gauges see the destination's state directly.
    }
}
