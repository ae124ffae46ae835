using MeshProxy.TestSupport;
using MeshProxy.Tests.Configuration.Reload;
using MeshProxy.TrafficPolicy;
using Microsoft.Extensions.Time.Testing;
using static MeshProxy.Tests.TrafficPolicy.OutlierClusters;

namespace MeshProxy.Tests.TrafficPolicy;

public sealed class EjectionListenerTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Listener_EjectionAndReturn_HeardOnceEachWithEnvoyRuleName()
    {
        var listener = new RecordingEjectionListener();
        using var cluster = Create(_time, 3, Outlier(gatewayFailures: 3, serverErrors: 5));
        cluster.Availability.Listener = listener;

        Fail(cluster.Destinations[0], AttemptOutcome.GatewayFailure, 3);
        Fail(cluster.Destinations[1], AttemptOutcome.ServerError, 5);
        Fail(cluster.Destinations[0], AttemptOutcome.GatewayFailure, 3);
        _time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(
            ["ejected c c-0 consecutive_gateway_failure", "ejected c c-1 consecutive_5xx", "returned c c-0", "returned c c-1"],
            listener.Events);
    }

    [Fact]
    public void Listener_ClusterRebuiltByReload_KeptAndHearsTheCarriedEjectionEnd()
    {
        var listener = new RecordingEjectionListener();
        using var registry = new ClusterRegistry(_time, TimeSpan.FromSeconds(10));
        var before = registry.Apply([Config("c", 2)])["c"];
        before.Availability.Listener = listener;
        Fail(before.Destinations[0], AttemptOutcome.GatewayFailure, 5);

        var after = registry.Apply([Config("c", 3)])["c"];
        _time.Advance(TimeSpan.FromSeconds(10));

        Assert.Same(listener, after.Availability.Listener);
        Assert.Equal(["ejected c c-0 consecutive_gateway_failure", "returned c c-0"], listener.Events);
    }
}
