using MeshProxy.Grpc;
using MeshProxy.TestSupport;
using MeshProxy.Tests.Configuration.Reload;
using MeshProxy.TrafficPolicy;
using Microsoft.Extensions.Time.Testing;
using static MeshProxy.Tests.TrafficPolicy.OutlierClusters;

namespace MeshProxy.Tests.TrafficPolicy;

public sealed class OutlierDetectionTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Record_FiveConsecutiveGatewayFailures_EjectsAtOnceAndPicksSkipIt()
    {
        using var cluster = Create(_time, 3);
        var bad = cluster.Destinations[1];

        Fail(bad, AttemptOutcome.GatewayFailure, 4);
        Assert.False(bad.Ejected);
        bad.Record(AttemptOutcome.GatewayFailure);

        Assert.True(bad.Ejected);
        Assert.Equal(1, bad.TimesEjected);
        Assert.Equal(TimeSpan.FromSeconds(10), cluster.Availability.EjectionTimeLeft(bad));
        Assert.DoesNotContain(bad, Picks(cluster));
        Assert.Equal(2, Picks(cluster).Count);
    }

    [Fact]
    public void Record_FailuresInterleavedWithSuccess_NeverEject()
    {
        using var cluster = Create(_time, 2);
        var destination = cluster.Destinations[0];

        for (var i = 0; i < 20; i++)
        {
            Fail(destination, AttemptOutcome.GatewayFailure, 4);
            destination.Record(AttemptOutcome.Success);
        }

        Assert.False(destination.Ejected);
        Assert.Equal(0, destination.ConsecutiveGatewayFailures);
    }

    [Theory]
    [InlineData(StatusCode.InvalidArgument)]
    [InlineData(StatusCode.NotFound)]
    [InlineData(StatusCode.AlreadyExists)]
    [InlineData(StatusCode.PermissionDenied)]
    [InlineData(StatusCode.Unimplemented)]
    [InlineData(StatusCode.FailedPrecondition)]
    public void Record_ApplicationStatus_NeverEjects(StatusCode status)
    {
        using var cluster = Create(_time, 2, Outlier(gatewayFailures: 1, serverErrors: 1));
        var destination = cluster.Destinations[0];

        Fail(destination, AttemptOutcomes.FromResponse(200, status), 50);

        Assert.False(destination.Ejected);
        Assert.Equal(0, destination.ConsecutiveServerErrors);
    }

    [Theory]
    [InlineData(StatusCode.Internal)]
    [InlineData(StatusCode.Unknown)]
    [InlineData(StatusCode.DataLoss)]
    [InlineData(StatusCode.DeadlineExceeded)]
    public void Record_FiveServerErrors_Eject(StatusCode status)
    {
        using var cluster = Create(_time, 2, Outlier(gatewayFailures: 0, serverErrors: 5));
        var destination = cluster.Destinations[0];

        Fail(destination, AttemptOutcomes.FromResponse(200, status), 4);
        Assert.False(destination.Ejected);
        destination.Record(AttemptOutcomes.FromResponse(200, status));

        Assert.True(destination.Ejected);
    }

    [Fact]
    public void Record_Http200WithoutGrpcStatus_CountsAsServerError()
    {
        using var cluster = Create(_time, 2, Outlier(gatewayFailures: 0, serverErrors: 3));
        var destination = cluster.Destinations[0];

        Fail(destination, AttemptOutcomes.FromResponse(200, grpcStatus: null), 3);

        Assert.True(destination.Ejected);
    }

    [Fact]
    public void Record_GatewayRuleDisabled_UnavailableStillCountsAsServerError()
    {
        using var cluster = Create(_time, 2, Outlier(gatewayFailures: 0, serverErrors: 7));
        var destination = cluster.Destinations[0];

        Fail(destination, AttemptOutcome.GatewayFailure, 6);
        Assert.False(destination.Ejected);
        destination.Record(AttemptOutcome.GatewayFailure);

        Assert.True(destination.Ejected);
    }

    [Fact]
    public void Record_BothRulesDisabled_NeverEjects()
    {
        using var cluster = Create(_time, 2, Outlier(gatewayFailures: 0, serverErrors: 0));

        Fail(cluster.Destinations[0], AttemptOutcome.GatewayFailure, 100);

        Assert.False(cluster.Destinations[0].Ejected);
    }

    [Fact]
    public void Tick_EjectionTimeOver_DestinationReturnsByItself()
    {
        using var cluster = Create(_time, 2);
        var bad = cluster.Destinations[0];
        Fail(bad, AttemptOutcome.GatewayFailure, 5);

        _time.Advance(TimeSpan.FromSeconds(9));
        Assert.True(bad.Ejected);
        Assert.Equal(TimeSpan.FromSeconds(1), cluster.Availability.EjectionTimeLeft(bad));
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.False(bad.Ejected);
        Assert.Contains(bad, Picks(cluster));
    }

    [Fact]
    public void Eject_AgainRightAfterReturning_TimeDoublesThenIsCappedByMax()
    {
        // Base 10s, max 35s: 10s, 20s, 30s, then 35s (capped) for good.
        using var cluster = Create(_time, 2, Outlier(baseSeconds: 10, maxSeconds: 35));
        var bad = cluster.Destinations[0];
        var observed = new List<TimeSpan>();
        for (var i = 0; i < 5; i++)
        {
            Fail(bad, AttemptOutcome.GatewayFailure, 5);
            Assert.True(bad.Ejected);
            observed.Add(cluster.Availability.EjectionTimeLeft(bad));
            AdvanceByIntervals(_time, cluster.Availability.EjectionTimeLeft(bad));
            Assert.False(bad.Ejected);
        }

        Assert.Equal([10, 20, 30, 35, 35], observed.Select(t => t.TotalSeconds));
        Assert.Equal(5, bad.TimesEjected);
    }

    [Fact]
    public void Multiplier_HealthyIntervals_DecayOneEachDownToZero()
    {
        using var cluster = Create(_time, 2, Outlier(baseSeconds: 10, maxSeconds: 100));
        var bad = cluster.Destinations[0];
        Fail(bad, AttemptOutcome.GatewayFailure, 5);
        AdvanceByIntervals(_time, TimeSpan.FromSeconds(10));
        Fail(bad, AttemptOutcome.GatewayFailure, 5);
        AdvanceByIntervals(_time, TimeSpan.FromSeconds(20));
        Assert.False(bad.Ejected);
        Assert.Equal(2, bad.EjectionMultiplier);

        // Interval 1s: one healthy interval takes one off, the next another, and it stays at zero.
        AdvanceByIntervals(_time, TimeSpan.FromSeconds(1));
        Assert.Equal(1, bad.EjectionMultiplier);
        AdvanceByIntervals(_time, TimeSpan.FromSeconds(5));
        Assert.Equal(0, bad.EjectionMultiplier);

        Fail(bad, AttemptOutcome.GatewayFailure, 5);
        Assert.Equal(TimeSpan.FromSeconds(10), cluster.Availability.EjectionTimeLeft(bad));
    }

    [Fact]
    public void MaxEjectionPercent_ThreeHostsAt50_SecondEjectionRefusedUntilFirstReturns()
    {
        using var cluster = Create(_time, 3, Outlier(maxEjectionPercent: 50));
        var (a, b) = (cluster.Destinations[0], cluster.Destinations[1]);

        Fail(a, AttemptOutcome.GatewayFailure, 5);
        Fail(b, AttemptOutcome.GatewayFailure, 5);

        Assert.True(a.Ejected);
        Assert.False(b.Ejected);
        Assert.Equal(0, b.ConsecutiveGatewayFailures);

        _time.Advance(TimeSpan.FromSeconds(10));
        Fail(b, AttemptOutcome.GatewayFailure, 5);
        Assert.True(b.Ejected);
    }

    [Fact]
    public void MaxEjectionPercent_EnvoyDefault10WithThreeHosts_NeverEjects()
    {
        using var cluster = Create(_time, 3, Outlier(maxEjectionPercent: 10));

        Fail(cluster.Destinations[0], AttemptOutcome.GatewayFailure, 50);

        Assert.False(cluster.Destinations[0].Ejected);
        Assert.Equal(3, Picks(cluster).Count);
    }

    [Fact]
    public void MaxEjectionPercent_100_EjectsEveryHostAndWithoutPanicPickReturnsNull()
    {
        using var cluster = Create(_time, 2, Outlier(maxEjectionPercent: 100, panicThreshold: 0));

        Fail(cluster.Destinations[0], AttemptOutcome.GatewayFailure, 5);
        Fail(cluster.Destinations[1], AttemptOutcome.GatewayFailure, 5);

        Assert.Null(cluster.PickDestination());
        Assert.Null(cluster.PickDestination([cluster.Destinations[0]]));
    }

    [Fact]
    public void Panic_AvailableShareBelowThreshold_PicksAmongAll()
    {
        // 4 hosts, panic at 50%: one ejected leaves 75% (no panic), two leave 50% (no panic), three leave 25%.
        using var cluster = Create(_time, 4, Outlier(maxEjectionPercent: 100, panicThreshold: 50));
        var d = cluster.Destinations;

        Fail(d[0], AttemptOutcome.GatewayFailure, 5);
        Fail(d[1], AttemptOutcome.GatewayFailure, 5);
        Assert.False(cluster.Availability.Panic);
        Assert.Equal([d[2], d[3]], Picks(cluster).OrderBy(x => x!.Name));

        Fail(d[2], AttemptOutcome.GatewayFailure, 5);
        Assert.True(cluster.Availability.Panic);
        Assert.Equal(4, Picks(cluster).Count);

        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.False(cluster.Availability.Panic);
        Assert.Equal(4, cluster.Availability.AvailableCount);
    }

    [Fact]
    public void Panic_EveryHostOut_PicksAmongAllRatherThanFailing()
    {
        using var cluster = Create(_time, 2, Outlier(maxEjectionPercent: 100, panicThreshold: 50));

        Fail(cluster.Destinations[0], AttemptOutcome.GatewayFailure, 5);
        Fail(cluster.Destinations[1], AttemptOutcome.GatewayFailure, 5);

        Assert.Equal(2, Picks(cluster).Count);
    }

    [Fact]
    public void PickForRetry_EjectedDestinationNeverChosenEvenWhenOthersWereTried()
    {
        using var cluster = Create(_time, 3);
        var (a, b, c) = (cluster.Destinations[0], cluster.Destinations[1], cluster.Destinations[2]);
        Fail(c, AttemptOutcome.GatewayFailure, 5);

        for (var i = 0; i < 6; i++)
        {
            Assert.Same(b, cluster.PickDestination([a]));
            Assert.NotSame(c, cluster.PickDestination([a, b]));
        }
    }

    [Fact]
    public void Record_ConcurrentFailures_EjectExactlyOnce()
    {
        using var cluster = Create(_time, 2, Outlier(gatewayFailures: 100, serverErrors: 0));
        var destination = cluster.Destinations[0];

        Parallel.For(0, 150, _ => destination.Record(AttemptOutcome.GatewayFailure));

        Assert.True(destination.Ejected);
        Assert.Equal(1, destination.TimesEjected);
    }
}
