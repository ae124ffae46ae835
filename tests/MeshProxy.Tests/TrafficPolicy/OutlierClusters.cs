using System.Collections.Immutable;
using MeshProxy.Configuration;
using MeshProxy.TrafficPolicy;
using Microsoft.Extensions.Time.Testing;

namespace MeshProxy.Tests.TrafficPolicy;

/// <summary>Cluster configs and states for outlier and health tests; nothing is sent, the client points at closed ports.</summary>
internal static class OutlierClusters
{
    /// <summary>Fast review: interval 1s, base ejection 10s, max 100s, everything else as given.</summary>
    public static OutlierDetectionConfig Outlier(
        int gatewayFailures = 5,
        int serverErrors = 5,
        int maxEjectionPercent = 100,
        int panicThreshold = 0,
        int baseSeconds = 10,
        int maxSeconds = 100) =>
        new(gatewayFailures, serverErrors, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(baseSeconds), TimeSpan.FromSeconds(maxSeconds), maxEjectionPercent, panicThreshold);

    public static HealthCheckConfig GrpcCheck(int unhealthyThreshold = 2, int healthyThreshold = 1) =>
        new(string.Empty, null, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1), unhealthyThreshold, healthyThreshold, MissingServiceIsHealthy: false);

    public static ClusterConfig Config(string name, int destinations, OutlierDetectionConfig? outlier = null, HealthCheckConfig? healthCheck = null, int firstPort = 1)
    {
        var list = Enumerable.Range(0, destinations)
            .Select(i => new DestinationConfig($"{name}-{i}", $"http://127.0.0.1:{firstPort + i}"))
            .ToImmutableArray();
        return new ClusterConfig(name, new(list), LoadBalancingKind.RoundRobin, TimeSpan.FromSeconds(1), Http2Config.Default)
        {
            OutlierDetection = outlier ?? Outlier(),
            HealthCheck = healthCheck,
        };
    }

    public static ClusterState Create(TimeProvider time, int destinations, OutlierDetectionConfig? outlier = null, HealthCheckConfig? healthCheck = null)
    {
        var config = Config("c", destinations, outlier, healthCheck);
        return new ClusterState(config, ClusterClientFactory.Create(config), time: time);
    }

    public static void Fail(DestinationState destination, AttemptOutcome outcome, int times)
    {
        for (var i = 0; i < times; i++)
        {
            destination.Record(outcome);
        }
    }

    /// <summary>
    /// Advances <paramref name="time"/> one outlier interval (1s) at a time, so each interval's sweep runs at its own
    /// instant: FakeTimeProvider runs every callback that falls due within one Advance at that Advance's end time, and a
    /// sweep that saw the end time would return a host early and decay its multiplier in the same step.
    /// </summary>
    public static void AdvanceByIntervals(FakeTimeProvider time, TimeSpan by)
    {
        var interval = TimeSpan.FromSeconds(1);
        for (var left = by; left > TimeSpan.Zero; left -= interval)
        {
            time.Advance(left < interval ? left : interval);
        }
    }

    /// <summary>The distinct destinations of <paramref name="picks"/> round-robin picks.</summary>
    public static HashSet<DestinationState?> Picks(ClusterState cluster, int picks = 12) =>
        [.. Enumerable.Range(0, picks).Select(_ => cluster.PickDestination())];
}
