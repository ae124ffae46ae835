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
