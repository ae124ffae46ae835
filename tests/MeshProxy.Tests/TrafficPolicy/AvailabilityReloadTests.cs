using MeshProxy.TestSupport;
using MeshProxy.Tests.Configuration.Reload;
using MeshProxy.TrafficPolicy;
using Microsoft.Extensions.Time.Testing;
using static MeshProxy.Tests.TrafficPolicy.OutlierClusters;

namespace MeshProxy.Tests.TrafficPolicy;

/// <summary>A reload that changes a cluster keeps the ejections and health of the destinations it did not change.</summary>
public sealed class AvailabilityReloadTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Apply_DestinationAdded_UnchangedDestinationsKeepEjectionAndHealth()
    {
        using var registry = new ClusterRegistry(_time, TimeSpan.FromSeconds(10));
        var before = registry.Apply([Config("c", 3, healthCheck: GrpcCheck(unhealthyThreshold: 1))])["c"];
        Fail(before.Destinations[0], AttemptOutcome.GatewayFailure, 5);
        before.Availability.OnProbe(before.Destinations[1], "status NotServing");

        var after = registry.Apply([Config("c", 4, healthCheck: GrpcCheck(unhealthyThreshold: 1))])["c"];

        Assert.NotSame(before, after);
        Assert.Same(before.Destinations[0], after.Destinations[0]);
        Assert.True(after.Destinations[0].Ejected);
        Assert.Equal(DestinationHealth.Unhealthy, after.Destinations[1].Health);
        Assert.Equal([after.Destinations[2], after.Destinations[3]], Picks(after).OrderBy(d => d!.Name));

        // The new state owns the kept destinations: it returns the ejected one and ejects on new failures.
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.False(after.Destinations[0].Ejected);
        Fail(after.Destinations[2], AttemptOutcome.GatewayFailure, 5);
        Assert.DoesNotContain(after.Destinations[2], Picks(after));
    }

    [Fact]
    public void Apply_AddressChanged_DestinationStartsFresh()
    {
        using var registry = new ClusterRegistry(_time, TimeSpan.FromSeconds(10));
        var before = registry.Apply([Config("c", 2)])["c"];
        Fail(before.Destinations[0], AttemptOutcome.GatewayFailure, 5);

        var after = registry.Apply([Config("c", 2, firstPort: 100)])["c"];

        Assert.False(after.Destinations[0].Ejected);
        Assert.Equal(0, after.Destinations[0].TimesEjected);
    }

    [Fact]
    public void Apply_HealthCheckRemoved_UnhealthyMarksCleared()
    {
        using var registry = new ClusterRegistry(_time, TimeSpan.FromSeconds(10));
        var before = registry.Apply([Config("c", 2, healthCheck: GrpcCheck(unhealthyThreshold: 1))])["c"];
        before.Availability.OnProbe(before.Destinations[0], "status NotServing");

        var after = registry.Apply([Config("c", 2)])["c"];

        Assert.Equal(DestinationHealth.Unknown, after.Destinations[0].Health);
        Assert.Equal(2, Picks(after).Count);
    }

    [Fact]
    public void Apply_ReplacedState_NoLongerEjectsSharedDestinations()
    {
        using var registry = new ClusterRegistry(_time, TimeSpan.FromSeconds(10));
        var before = registry.Apply([Config("c", 2)])["c"];
        registry.Apply([Config("c", 2, Outlier(gatewayFailures: 50, serverErrors: 50))]);

        // A call that picked on the old snapshot records into the shared destination: the new thresholds apply.
        Fail(before.Destinations[0], AttemptOutcome.GatewayFailure, 5);

        Assert.False(before.Destinations[0].Ejected);
    }
}
