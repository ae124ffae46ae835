using System.Globalization;
using MeshProxy.TrafficPolicy;
using Prometheus;

namespace MeshProxy.Observability.Metrics;

/// <summary>
/// The gauges read from live state rather than kept from events, set by the registry's before-collect callback: the
/// canary weights and the clusters' destinations come from the live snapshot, so a reload that drops a route or an
/// ejected destination drops its series too, and the config gauges from what the reloader last reported.
/// </summary>
internal sealed partial class MeshProxyMetrics
{
    private readonly Lock _scrape = new();
    private readonly LiveGauge _ejectedHosts;
    private readonly LiveGauge _endpoints;
    private readonly LiveGauge _upstreamInFlight;
    private readonly LiveGauge _weights;
    private readonly LiveGauge _configInfo;
    private readonly Gauge _lastReloadSuccessful;
    private readonly Gauge _lastSuccessTime;

    private volatile ConfigState? _config;

    private void ObserveLiveState()
    {
        lock (_scrape)
        {
            ObserveClusters();
            ObserveConfig();
        }
    }

    private void ObserveClusters()
    {
        _weights.Begin();
        _ejectedHosts.Begin();
        _endpoints.Begin();
        _upstreamInFlight.Begin();
        if (_snapshots.Current is { } snapshot)
        {
            foreach (var route in snapshot.Config.Routes)
            {
                foreach (var backend in route.Backends)
                {
                    _weights.Set(backend.Weight, route.Name, backend.Cluster);
                }
            }

            foreach (var cluster in LiveClusters(snapshot))
            {
                var ejected = EjectedCount(cluster);
                _ejectedHosts.Set(ejected, cluster.Name);
                _endpoints.Set(cluster.Destinations.Count - ejected, cluster.Name, "active");
                _endpoints.Set(ejected, cluster.Name, "ejected");
                foreach (var destination in cluster.Destinations)
                {
                    _upstreamInFlight.Set(destination.InFlight, cluster.Name, destination.Name);
                }
            }
        }

        _weights.End();
        _ejectedHosts.End();
        _endpoints.End();
        _upstreamInFlight.End();
    }

    private void ObserveConfig()
    {
        _configInfo.Begin();
        if (_config is { } config)
        {
            _lastReloadSuccessful.Set(config.Successful ? 1 : 0);
            _lastSuccessTime.Set(config.AppliedAt.ToUnixTimeMilliseconds() / 1000.0);
            _configInfo.Set(1, config.Version, config.Generation.ToString(CultureInfo.InvariantCulture));
        }

        _configInfo.End();
    }

    /// <summary>Every cluster a route can reach, once each, in config order.</summary>
    private static List<ClusterState> LiveClusters(Routing.ProxySnapshot snapshot)
    {
        var seen = new HashSet<ClusterState>();
        var result = new List<ClusterState>();
        foreach (var route in snapshot.Routes.Routes)
        {
            foreach (var cluster in route.Backends.Clusters)
            {
                if (seen.Add(cluster))
                {
                    result.Add(cluster);
                }
            }
        }

        return result;
    }

    // Counted from the live destinations, not from ejection/return events: a reload that drops an ejected destination
    // never reports its return, and one that keeps it hands the same DestinationState (still ejected) to the new cluster.
    private static int EjectedCount(ClusterState cluster)
    {
        var ejected = 0;
        foreach (var destination in cluster.Destinations)
        {
            ejected += destination.Ejected ? 1 : 0;
        }

        return ejected;
    }

    private sealed record ConfigState(string Version, long Generation, DateTimeOffset AppliedAt, bool Successful);
}
