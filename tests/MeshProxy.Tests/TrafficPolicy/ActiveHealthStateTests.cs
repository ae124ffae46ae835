using MeshProxy.TestSupport;
using MeshProxy.Tests.Configuration.Reload;
using MeshProxy.TrafficPolicy;
using Microsoft.Extensions.Time.Testing;
using static MeshProxy.Tests.TrafficPolicy.OutlierClusters;

namespace MeshProxy.Tests.TrafficPolicy;

/// <summary>How probe results become health marks; the probes themselves run in the functional tests.</summary>
public sealed class ActiveHealthStateTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Health_BeforeFirstProbe_UnknownAndPicked()
    {
        using var cluster = Create(_time, 2, healthCheck: GrpcCheck());

        Assert.All(cluster.Destinations, d => Assert.Equal(DestinationHealth.Unknown, d.Health));
        Assert.Equal(2, Picks(cluster).Count);
    }

    [Fact]
    public void Probe_FailsUnhealthyThresholdTimes_LeavesPicksAndComesBackAfterHealthyThreshold()
    {
        using var cluster = Create(_time, 3, healthCheck: GrpcCheck(unhealthyThreshold: 2, healthyThreshold: 2));
        var d = cluster.Destinations[0];

        cluster.Availability.OnProbe(d, "status NotServing");
        Assert.Contains(d, Picks(cluster));
        cluster.Availability.OnProbe(d, "status NotServing");
        Assert.Equal(DestinationHealth.Unhealthy, d.Health);
        Assert.DoesNotContain(d, Picks(cluster));

        cluster.Availability.OnProbe(d, failure: null);
        Assert.Equal(DestinationHealth.Unhealthy, d.Health);
        cluster.Availability.OnProbe(d, failure: null);
        Assert.Equal(DestinationHealth.Healthy, d.Health);
        Assert.Contains(d, Picks(cluster));
    }

    [Fact]
    public void Probe_PassAfterSingleFailure_ResetsTheFailureRun()
    {
        using var cluster = Create(_time, 2, healthCheck: GrpcCheck(unhealthyThreshold: 2));
        var d = cluster.Destinations[0];

        cluster.Availability.OnProbe(d, "timeout");
        cluster.Availability.OnProbe(d, failure: null);
        cluster.Availability.OnProbe(d, "timeout");

        Assert.Equal(DestinationHealth.Healthy, d.Health);
    }

    [Fact]
    public void Panic_HealthAndEjectionTogetherBelowThreshold_PicksAll()
    {
        using var cluster = Create(_time, 3, Outlier(panicThreshold: 50), GrpcCheck(unhealthyThreshold: 1));
        var d = cluster.Destinations;

        cluster.Availability.OnProbe(d[0], "status NotServing");
        Assert.False(cluster.Availability.Panic);
        Fail(d[1], AttemptOutcome.GatewayFailure, 5);

        Assert.True(cluster.Availability.Panic);
        Assert.Equal(3, Picks(cluster).Count);
    }

    [Fact]
    public void Multiplier_UnhealthyDestination_DoesNotDecay()
    {
        using var cluster = Create(_time, 3, healthCheck: GrpcCheck(unhealthyThreshold: 1));
        var d = cluster.Destinations[0];
        Fail(d, AttemptOutcome.GatewayFailure, 5);
        AdvanceByIntervals(_time, TimeSpan.FromSeconds(10));
        cluster.Availability.OnProbe(d, "status NotServing");

        AdvanceByIntervals(_time, TimeSpan.FromSeconds(5));

        Assert.Equal(1, d.EjectionMultiplier);
    }
}
