using MeshProxy.Configuration;
using MeshProxy.TestSupport;
using MeshProxy.Tests.Configuration.Reload;
using MeshProxy.TrafficPolicy;
using Microsoft.Extensions.Time.Testing;

namespace MeshProxy.Tests.TrafficPolicy;

public sealed class ClusterRetirementTests
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Apply_ClusterRemovedAndIdle_DisposedAfterGrace()
    {
        using var registry = new ClusterRegistry(_time, Grace);
        var removed = registry.Apply([Config("a", 1), Config("b", 2)])["b"];

        registry.Apply([Config("a", 1)]);
        _time.Advance(Grace - TimeSpan.FromMilliseconds(1));

        Assert.False(removed.ClientDisposed);
        Assert.Equal(1, registry.RetiringCount);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(removed.ClientDisposed);
        Assert.Equal(0, registry.RetiringCount);
    }

    [Fact]
    public void Apply_ClusterRemovedWithCallInFlight_DisposedWhenLastCallEnds()
    {
        using var registry = new ClusterRegistry(_time, Grace);
        var removed = registry.Apply([Config("a", 1), Config("b", 2)])["b"];
        removed.BeginCall();
        removed.BeginCall();

        registry.Apply([Config("a", 1)]);
        _time.Advance(Grace * 100);

        Assert.False(removed.ClientDisposed);
        removed.EndCall();
        Assert.False(removed.ClientDisposed);
        removed.EndCall();
        Assert.True(removed.ClientDisposed);
    }

    [Fact]
    public void Apply_ClusterChanged_OldStateRetiredNewOneLive()
    {
        using var registry = new ClusterRegistry(_time, Grace);
        var old = registry.Apply([Config("a", 1)])["a"];

        var replacement = registry.Apply([Config("a", 3)])["a"];
        _time.Advance(Grace);

        Assert.True(old.ClientDisposed);
        Assert.False(replacement.ClientDisposed);
    }

    [Fact]
    public void Apply_ClusterUnchanged_NeverRetired()
    {
        using var registry = new ClusterRegistry(_time, Grace);
        var kept = registry.Apply([Config("a", 1)])["a"];

        registry.Apply([Config("a", 1), Config("b", 2)]);
        _time.Advance(Grace * 2);

        Assert.False(kept.ClientDisposed);
        Assert.Equal(0, registry.RetiringCount);
    }

    [Fact]
    public void Dispose_ClustersInGrace_DisposesThemAll()
    {
        var registry = new ClusterRegistry(_time, Grace);
        var removed = registry.Apply([Config("a", 1), Config("b", 2)])["b"];
        var live = registry.Apply([Config("a", 1)])["a"];

        registry.Dispose();

        Assert.True(removed.ClientDisposed);
        Assert.True(live.ClientDisposed);
    }

    private static ClusterConfig Config(string name, int port) =>
        new(name, new([new DestinationConfig("d", $"http://127.0.0.1:{port}")]), LoadBalancingKind.RoundRobin, TimeSpan.FromSeconds(1), Http2Config.Default);
}
