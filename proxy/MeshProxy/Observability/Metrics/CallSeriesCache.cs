using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using MeshProxy.Routing;
using MeshProxy.TrafficPolicy;

namespace MeshProxy.Observability.Metrics;

/// <summary>
/// The per-call children of one config snapshot: for every route, the clusters it can reach and their destinations,
/// by name, plus the unrouted calls (route and cluster empty). Built when a call first sees a new snapshot and replaced
/// with it on reload, so its names are the live config's. A call that began before a reload and names what the reload
/// removed is not found here, and <see cref="MeshProxyMetrics"/> records it through prometheus-net's label lookup.
/// </summary>
internal sealed class CallSeriesCache
{
    private readonly FrozenDictionary<string, RouteSeries> _routes;

    private CallSeriesCache(ProxySnapshot? snapshot, FrozenDictionary<string, RouteSeries> routes)
    {
        Snapshot = snapshot;
        _routes = routes;
    }

    /// <summary>The snapshot this cache was built from (null before the first config).</summary>
    public ProxySnapshot? Snapshot { get; }

    public static CallSeriesCache Build(CallFamilies families, ProxySnapshot? snapshot)
    {
        var routes = new Dictionary<string, RouteSeries>(StringComparer.Ordinal)
        {
            [string.Empty] = Route(families, string.Empty, [(string.Empty, [])]),
        };
        foreach (var route in snapshot?.Routes.Routes ?? [])
        {
            routes[route.Name] = Route(families, route.Name, route.Backends.Clusters.Select(c => (c.Name, Destinations(c))));
        }

        return new CallSeriesCache(snapshot, routes.ToFrozenDictionary(StringComparer.Ordinal));
    }

    public bool TryGetRoute(string route, [NotNullWhen(true)] out RouteSeries? series) => _routes.TryGetValue(route, out series);

    public bool TryGet(string route, string cluster, [NotNullWhen(true)] out RouteClusterSeries? series)
    {
        if (_routes.TryGetValue(route, out var routeSeries))
        {
            return routeSeries.Clusters.TryGetValue(cluster, out series);
        }

        series = null;
        return false;
    }

    private static RouteSeries Route(CallFamilies families, string route, IEnumerable<(string Cluster, IEnumerable<string> Destinations)> clusters)
    {
        var byName = new Dictionary<string, RouteClusterSeries>(StringComparer.Ordinal);
        foreach (var (cluster, destinations) in clusters)
        {
            byName.TryAdd(cluster, new RouteClusterSeries(families, route, cluster, destinations));
        }

        return new RouteSeries(families, route, byName.ToFrozenDictionary(StringComparer.Ordinal));
    }

    private static IEnumerable<string> Destinations(ClusterState cluster) => cluster.Destinations.Select(d => d.Name);
}
