using MeshProxy.Configuration;
using MeshProxy.TrafficPolicy;

namespace MeshProxy.Tests.TrafficPolicy;

public sealed class PickerTests
{
    [Fact]
    public void RoundRobin_CyclesThroughDestinationsInOrder()
    {
        var destinations = new[] { new DestinationState("a", "http://a"), new DestinationState("b", "http://b"), new DestinationState("c", "http://c") };
        var picker = new RoundRobinPicker();

        var picks = Enumerable.Range(0, 7).Select(_ => picker.Pick(destinations)!.Name);

        Assert.Equal(["a", "b", "c", "a", "b", "c", "a"], picks);
    }

    [Fact]
    public void RoundRobin_NoDestination_ReturnsNull() => Assert.Null(new RoundRobinPicker().Pick([]));

    [Fact]
    public void RoundRobin_CallsHeldEvenly_KeepsTheRotation()
    {
        // Calls that stay in flight, spread by the rotation itself: no destination ever holds two more than another.
        var destinations = new[] { new DestinationState("a", "http://a"), new DestinationState("b", "http://b"), new DestinationState("c", "http://c") };
        var picker = new RoundRobinPicker();

        var picks = Enumerable.Range(0, 9).Select(_ =>
        {
            var picked = picker.Pick(destinations)!;
            picked.RequestStarted();
            return picked.Name;
        });

        Assert.Equal(["a", "b", "c", "a", "b", "c", "a", "b", "c"], picks);
    }

    [Fact]
    public void RoundRobin_DestinationHoldsCallsItsPeersFinished_PassedOverUntilTheyCatchUp()
    {
        // Issue 12: b hangs. Every call it takes stays in flight while a and c answer theirs.
        var destinations = new[] { new DestinationState("a", "http://a"), new DestinationState("b", "http://b"), new DestinationState("c", "http://c") };
        var picker = new RoundRobinPicker();
        var picks = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            var picked = picker.Pick(destinations)!;
            picks.Add(picked.Name);
            if (picked.Name == "b")
            {
                picked.RequestStarted();
            }
        }

        // b takes its turn until it holds InFlightSkew calls more than its idle peers, then never again: a keeps its
        // own turns, and c (next after b in the rotation) takes b's as well.
        Assert.Equal(RoundRobinPicker.InFlightSkew, picks.Count(n => n == "b"));
        Assert.Equal(10, picks.Count(n => n == "a"));
        Assert.Equal(20 - RoundRobinPicker.InFlightSkew, picks.Count(n => n == "c"));

        // Once its peers hold as many calls, b is back in the rotation.
        for (var i = 0; i < RoundRobinPicker.InFlightSkew; i++)
        {
            destinations[0].RequestStarted();
            destinations[2].RequestStarted();
        }

        Assert.Contains("b", Enumerable.Range(0, 3).Select(_ => picker.Pick(destinations)!.Name));
    }

    [Fact]
    public void RoundRobin_PassedOverTurn_GoesToTheNextLeastLoadedInTheRotation()
    {
        var destinations = new[] { new DestinationState("a", "http://a"), new DestinationState("b", "http://b"), new DestinationState("c", "http://c") };
        var picker = new RoundRobinPicker();
        for (var i = 0; i < RoundRobinPicker.InFlightSkew; i++)
        {
            destinations[0].RequestStarted();
        }

        // a's turns go to b (the next after a), b's and c's stay theirs: b and c tie at zero.
        Assert.Equal(["b", "b", "c", "b", "b", "c"], Enumerable.Range(0, 6).Select(_ => picker.Pick(destinations)!.Name));
    }

    [Fact]
    public void BackendPicker_Weights_SplitProportionallyAndSkipZero()
    {
        using var a = Cluster("a");
        using var b = Cluster("b");
        using var never = Cluster("never");
        var picker = new BackendPicker([(a, 90), (never, 0), (b, 10)], new Random(42));

        var counts = Enumerable.Range(0, 10_000).Select(_ => picker.Pick().Name).GroupBy(n => n).ToDictionary(g => g.Key, g => g.Count());

        Assert.False(counts.ContainsKey("never"));
        Assert.InRange(counts["a"], 8_700, 9_300);
        Assert.InRange(counts["b"], 700, 1_300);
    }

    [Fact]
    public void ClusterRegistry_EqualConfig_KeepsState()
    {
        using var registry = new ClusterRegistry(TimeProvider.System, TimeSpan.FromSeconds(5));
        var config = Config("c", "http://127.0.0.1:1");

        var first = registry.Apply([config])["c"];
        var same = registry.Apply([Config("c", "http://127.0.0.1:1")])["c"];
        var changed = registry.Apply([Config("c", "http://127.0.0.1:2")])["c"];

        Assert.Same(first, same);
        Assert.NotSame(first, changed);
        Assert.Same(first.Client, same.Client);
    }

    private static ClusterConfig Config(string name, string address) =>
        new(name, new([new DestinationConfig(address, address)]), LoadBalancingKind.RoundRobin, TimeSpan.FromSeconds(1), Http2Config.Default);

    private static ClusterState Cluster(string name)
    {
        var config = Config(name, "http://127.0.0.1:1");
        return new ClusterState(config, ClusterClientFactory.Create(config));
    }
}
