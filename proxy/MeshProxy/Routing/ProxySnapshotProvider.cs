using System.Diagnostics.CodeAnalysis;
using MeshProxy.Configuration;
using MeshProxy.Security;
using MeshProxy.TrafficPolicy;
using MeshProxy.TrafficPolicy.RateLimiting;

namespace MeshProxy.Routing;

/// <summary>
/// Holds the live snapshot. A call reads <see cref="Current"/> once and uses that snapshot to the end, so a swap
/// never mixes two configs inside one call; <see cref="Apply"/> builds the whole next snapshot before swapping.
/// </summary>
internal sealed class ProxySnapshotProvider : IDisposable
{
    private readonly ClusterRegistry _clusters;
    private readonly Random _random;
    private readonly RouteRateLimiters _rateLimits = new();
    private volatile ProxySnapshot? _current;

    /// <param name="random">Drives weighted backend picks and powerOfTwoChoices; safe for concurrent use.</param>
    /// <param name="time">Times the grace period of clusters a reload removed.</param>
    /// <param name="retiredClusterGrace">How long a removed cluster's client stays usable before it is disposed (once idle).</param>
    /// <param name="identity">The workload certificate of clusters with <c>tls:</c>; null without one.</param>
    public ProxySnapshotProvider(Random random, TimeProvider time, TimeSpan retiredClusterGrace, WorkloadIdentity? identity = null)
    {
        _random = random;
        _clusters = new ClusterRegistry(time, retiredClusterGrace, random, identity);
    }

    /// <summary>Clusters a reload removed that are still in their grace period.</summary>
    public int RetiringClusters => _clusters.RetiringCount;

    public ProxySnapshot? Current => _current;

    /// <summary>The live clusters by name, routed to or not (health checks and GET /clusters read them).</summary>
    public IReadOnlyDictionary<string, ClusterState> Clusters => _clusters.Current;

    /// <summary>The live local rate limiters by route name (GET /clusters reads their tokens).</summary>
    public IReadOnlyDictionary<string, RouteRateLimiter> RateLimits => _rateLimits.Current;

    [MemberNotNull(nameof(_current))]
    public ProxySnapshot Apply(MeshProxyConfig config)
    {
        var clusters = _clusters.Apply(config.Clusters);
        var rateLimits = _rateLimits.Apply(config.Routes);
        var routes = config.Routes.Select((route, order) => new Route(
            route,
            order,
            new BackendPicker(route.Backends.Select(b => (clusters[b.Cluster], b.Weight)), _random, route.HashOn?.Header),
            rateLimits.GetValueOrDefault(route.Name)));
        var snapshot = new ProxySnapshot(config, new RouteTable(routes));
        _current = snapshot;
        return snapshot;
    }

    public void Dispose()
    {
        _clusters.Dispose();
        _rateLimits.Dispose();
    }
}
