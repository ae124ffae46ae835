using MeshProxy.Routing;
using MeshProxy.TrafficPolicy.CircuitBreaking;
using MeshProxy.TrafficPolicy.Overload;
using Prometheus;
using L = MeshProxy.Observability.Metrics.MetricLabels;

namespace MeshProxy.Observability.Metrics;

/// <summary>
/// Circuit breakers, local rate limits and the heap guard on the sidecar's registry: refusals counted as they happen
/// (<see cref="IOverloadListener"/>), and the remaining capacity of each live cluster's breakers read at scrape (Envoy's
/// <c>remaining_rq</c>, <c>remaining_pending</c>, <c>remaining_retries</c>), so a reload that drops a cluster drops its series.
/// </summary>
internal sealed class OverloadMetrics : IOverloadListener
{
    private const string Breaker = "breaker";

    private readonly ProxySnapshotProvider _snapshots;
    private readonly Counter _overflows;
    private readonly Counter _rateLimited;
    private readonly Counter _heapRefused;
    private readonly LiveGauge _remaining;
    private readonly Lock _scrape = new();

    public OverloadMetrics(MeshProxyMetrics metrics, ProxySnapshotProvider snapshots)
    {
        _snapshots = snapshots;
        var factory = Prometheus.Metrics.WithCustomRegistry(metrics.Registry);
        var labelled = new CounterConfiguration { SuppressInitialValue = true };
        _overflows = factory.CreateCounter("meshproxy_circuit_breaker_overflows_total", "Calls and retries a cluster's circuit breaker refused, by breaker (requests, pending, retries).", [L.Cluster, Breaker], labelled);
        _rateLimited = factory.CreateCounter("meshproxy_rate_limited_total", "Calls a route's local rate limit refused.", [L.Route], labelled);
        _heapRefused = factory.CreateCounter("meshproxy_heap_refused_total", "Calls refused because the GC heap was above protection.maxHeapPercent of its limit.", [L.Route], labelled);
        _remaining = new LiveGauge(factory.CreateGauge("meshproxy_circuit_breaker_remaining", "Capacity left in each circuit breaker of a cluster (requests, pending, retries when maxRetries is set).", [L.Cluster, Breaker]));
        metrics.Registry.AddBeforeCollectCallback(ObserveBreakers);
    }

    public void BreakerOverflowed(string cluster, BreakerLimit limit) => _overflows.WithLabels([cluster, BreakerLimits.Name(limit)]).Inc();

    public void RateLimited(string route) => _rateLimited.WithLabels([route]).Inc();

    public void HeapRefused(string route) => _heapRefused.WithLabels([route]).Inc();

    private void ObserveBreakers()
    {
        lock (_scrape)
        {
            _remaining.Begin();
            if (_snapshots.Current is not null)
            {
                foreach (var cluster in _snapshots.Clusters.Values)
                {
                    var breaker = cluster.CircuitBreaker;
                    _remaining.Set(breaker.RemainingRequests, cluster.Name, BreakerLimits.Name(BreakerLimit.Requests));
                    _remaining.Set(breaker.RemainingPending, cluster.Name, BreakerLimits.Name(BreakerLimit.Pending));
                    if (breaker.RemainingRetries is { } retries)
                    {
                        _remaining.Set(retries, cluster.Name, BreakerLimits.Name(BreakerLimit.Retries));
                    }
                }
            }

            _remaining.End();
        }
    }
}
