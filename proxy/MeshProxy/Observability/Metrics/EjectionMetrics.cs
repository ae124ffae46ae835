using MeshProxy.TrafficPolicy;

namespace MeshProxy.Observability.Metrics;

/// <summary>
/// Feeds outlier-detection ejections into the ejection counter. Called under the cluster's availability lock, so it only
/// updates counters. The ejected-hosts and endpoint-state gauges read the live destinations instead.
/// </summary>
internal sealed class EjectionMetrics(MeshProxyMetrics metrics) : IEjectionListener
{
    public void DestinationEjected(string cluster, string destination, string reason) => metrics.RecordEjection(cluster, reason);

    public void DestinationReturned(string cluster, string destination)
    {
        // Nothing to count: the gauges see the return on the destination itself.
    }
}
