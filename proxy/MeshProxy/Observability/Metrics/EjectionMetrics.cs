using MeshProxy.TrafficPolicy;

namespace MeshProxy.Observability.Metrics;

/// <summary>
/// Feeds outlier-detection ejections into the metrics (ejection counter, ejected hosts, endpoint states). Called under
/// the cluster's availability lock, so it only updates counters.
/// </summary>
internal sealed class EjectionMetrics(MeshProxyMetrics metrics) : IEjectionListener
{
    public void DestinationEjected(string cluster, string destination, string reason) => metrics.RecordEjection(cluster, reason);

    public void DestinationReturned(string cluster, string destination) => metrics.RecordEjectionEnded(cluster);
}
