using System.Collections.Concurrent;
using System.Collections.Frozen;
using Prometheus;

namespace MeshProxy.Observability.Metrics;

/// <summary>The cached children of one route: one <see cref="RouteClusterSeries"/> per cluster it can reach, and its REST calls by HTTP status.</summary>
internal sealed class RouteSeries(CallFamilies families, string route, FrozenDictionary<string, RouteClusterSeries> clusters)
{
    // HTTP statuses are few per route but come from a wide range: a dictionary filled on first use rather than 600 slots.
    private readonly ConcurrentDictionary<int, Counter.Child> _transcoded = new();

    public FrozenDictionary<string, RouteClusterSeries> Clusters { get; } = clusters;

    public void RecordTranscoding(int httpStatus) =>
        _transcoded.GetOrAdd(httpStatus, static (status, state) => state.families.TranscodingRequests.WithLabels(state.route, HttpStatusLabel.For(status)), (families, route)).Inc();
}
