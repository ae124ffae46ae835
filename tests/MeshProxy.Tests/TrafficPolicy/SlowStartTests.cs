using System.Collections.Immutable;
using MeshProxy.Configuration;
using MeshProxy.TrafficPolicy;
using Microsoft.Extensions.Time.Testing;
using static MeshProxy.Tests.TrafficPolicy.OutlierClusters;

namespace MeshProxy.Tests.TrafficPolicy;

/// <summary>
/// Slow start (Envoy's slow_start_config): a destination new to the cluster, back from ejection or back to health gets
/// weight x max(minWeightPercent, (t / window)^(1 / aggression)) of its share, on every picker, on an injected clock.
/// </summary>
public sealed class SlowStartTests
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(100);

    [Theory]
    [InlineData(1.0, 10.0, 0, 0.10)]     // the floor at the start
    [InlineData(1.0, 10.0, 5, 0.10)]     // 5 % of the window is still under the 10 % floor
    [InlineData(1.0, 10.0, 50, 0.50)]    // linear
    [InlineData(2.0, 10.0, 25, 0.50)]    // aggression 2: the square root, quick at first
    [InlineData(0.5, 10.0, 50, 0.25)]    // aggression 0.5: the square, slow at first
    [InlineData(1.0, 30.0, 20, 0.30)]
    [InlineData(1.0, 10.0, 100, 1.00)]   // the window is over: full weight
    [InlineData(1.0, 10.0, 250, 1.00)]
    public void Factor_AlongTheWindow_FollowsEnvoysFormula(double aggression, double minWeightPercent, int seconds, double expected)
    {
        var time = new FakeTimeProvider();
        var ramp = new SlowStartRamp(new SlowStartConfig(Window, aggression, minWeightPercent), time);
        var destination = new DestinationState("d", "http://127.0.0.1:1");
        destination.StartWarmup(time.GetTimestamp());

        time.Advance(TimeSpan.FromSeconds(seconds));

        Assert.Equal(expected, ramp.Factor(destination, ramp.Now()), precision: 6);
    }

    [Fact]
    public void Factor_DestinationNoClusterAdopted_FullWeight()
    {
        var time = new FakeTimeProvider();
        var ramp = new SlowStartRamp(new SlowStartConfig(Window, 1, 10), time);

        Assert.Equal(1.0, ramp.Factor(new DestinationState("d", "http://127.0.0.1:1"), ramp.Now()));
    }

    [Theory]
    [InlineData("RoundRobin")]
    [InlineData("LeastRequests")]
    [InlineData("PowerOfTwoChoices")]
    public void Pick_DestinationAddedToWarmCluster_SmallShareFirstThenItsFullShare(string policy)
    {
        var loadBalancing = Enum.Parse<LoadBalancingKind>(policy);
        var time = new FakeTimeProvider();
        using var cluster = Create(time, loadBalancing, destinations: 3);
        time.Advance(Window);
        Assert.True(cluster.ReplaceDestinations([.. cluster.Config.Destinations, new DestinationConfig("new", "http://127.0.0.1:9")]));
        var added = cluster.Destinations[3];

        // Right after it joins: 10 % of a full weight against three full ones (round robin: 0.1 / 3.1 = 3 %).
        var early = ShareOf(cluster, added, loaded: loadBalancing != LoadBalancingKind.RoundRobin);
        time.Advance(Window / 2);
        var half = ShareOf(cluster, added, loaded: loadBalancing != LoadBalancingKind.RoundRobin);
        time.Advance(Window / 2);
        var full = ShareOf(cluster, added, loaded: loadBalancing != LoadBalancingKind.RoundRobin);

        Assert.True(early < 0.08, $"early share {early:P1}");
        Assert.True(half > early && full > half, $"shares {early:P1}, {half:P1}, {full:P1}");
        Assert.InRange(full, 0.2, 0.3);
    }

    [Fact]
    public void Pick_EveryDestinationAdoptedTogether_RoundRobinRotationUnchanged()
    {
        // At process start all ramp alike: equal factors keep the exact rotation.
        var time = new FakeTimeProvider();
        using var cluster = Create(time, LoadBalancingKind.RoundRobin, destinations: 3);

        var picks = Enumerable.Range(0, 6).Select(_ => cluster.PickDestination()!.Name);

        Assert.Equal(["c-0", "c-1", "c-2", "c-0", "c-1", "c-2"], picks);
    }

    [Fact]
    public void Pick_DestinationBackFromEjection_RampsAgain()
    {
        var time = new FakeTimeProvider();
        using var cluster = Create(time, LoadBalancingKind.RoundRobin, destinations: 3);
        time.Advance(Window);
        var returning = cluster.Destinations[0];
        Fail(returning, AttemptOutcome.GatewayFailure, 5);
        Assert.True(returning.Ejected);

        // Base ejection 10s: back at the first interval tick after it, with its ramp started afresh.
        AdvanceByIntervals(time, TimeSpan.FromSeconds(11));

        Assert.False(returning.Ejected);
        Assert.True(ShareOf(cluster, returning, loaded: false) < 0.08);
    }

    [Fact]
    public void Pick_WithSlowStart_AllocatesNothing()
    {
        var time = new FakeTimeProvider();
        using var cluster = Create(time, LoadBalancingKind.RoundRobin, destinations: 3);
        time.Advance(Window);
        cluster.ReplaceDestinations([.. cluster.Config.Destinations, new DestinationConfig("new", "http://127.0.0.1:9")]);
        using var least = Create(time, LoadBalancingKind.LeastRequests, destinations: 3);
        using var p2c = Create(time, LoadBalancingKind.PowerOfTwoChoices, destinations: 3);
        ClusterState[] clusters = [cluster, least, p2c];
        Warm(clusters);

        var before = GC.GetAllocatedBytesForCurrentThread();
        Warm(clusters);

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static void Warm(ClusterState[] clusters)
    {
        for (var i = 0; i < 1000; i++)
        {
            foreach (var cluster in clusters)
            {
                Assert.NotNull(cluster.PickDestination());
            }
        }
    }

    // The share of 20,000 picks that go to target. loaded: each pick is held as a call in flight for a while (a sliding
    // window of 40 calls), so the load-aware pickers see load to weigh; round robin ignores it.
    private static double ShareOf(ClusterState cluster, DestinationState target, bool loaded)
    {
        const int Picks = 20_000;
        var held = new Queue<DestinationState>();
        var hits = 0;
        for (var i = 0; i < Picks; i++)
        {
            var picked = cluster.PickDestination()!;
            hits += ReferenceEquals(picked, target) ? 1 : 0;
            if (loaded)
            {
                picked.RequestStarted();
                held.Enqueue(picked);
                if (held.Count > 40)
                {
                    held.Dequeue().RequestEnded();
                }
            }
        }

        while (held.Count > 0)
        {
            held.Dequeue().RequestEnded();
        }

        return (double)hits / Picks;
    }

    private static ClusterState Create(FakeTimeProvider time, LoadBalancingKind loadBalancing, int destinations)
    {
        var list = Enumerable.Range(0, destinations)
            .Select(i => new DestinationConfig($"c-{i}", $"http://127.0.0.1:{i + 1}"))
            .ToImmutableArray();
        var config = new ClusterConfig("c", new(list), loadBalancing, TimeSpan.FromSeconds(1), Http2Config.Default)
        {
            OutlierDetection = Outlier(),
            SlowStart = new SlowStartConfig(Window, 1.0, 10.0),
        };
        return new ClusterState(config, ClusterClientFactory.Create(config), new Random(7), time);
    }
}
