using MeshProxy.Configuration;
using MeshProxy.TrafficPolicy;
using Microsoft.Extensions.Time.Testing;
using static MeshProxy.Tests.TrafficPolicy.OutlierClusters;

namespace MeshProxy.Tests.TrafficPolicy;

/// <summary>Local-origin failures counted apart from the backend's answers, and the warm-up that shields our own timeouts.</summary>
public sealed class LocalOriginOutlierTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Record_LocalOriginGatewayFailuresSplit_DoNotTripGatewayRuleButTripTheirOwn()
    {
        var listener = new RecordingEjectionListener();
        using var cluster = Create(_time, 3, Outlier(gatewayFailures: 3, serverErrors: 3) with { ConsecutiveLocalOriginFailures = 5, Warmup = TimeSpan.Zero });
        cluster.Availability.Listener = listener;
        var destination = cluster.Destinations[0];

        FailLocal(destination, AttemptOutcome.GatewayFailure, 4);
        Assert.False(destination.Ejected);
        Assert.Equal(0, destination.ConsecutiveGatewayFailures);
        Assert.Equal(0, destination.ConsecutiveServerErrors);
        Assert.Equal(4, destination.ConsecutiveLocalOriginFailures);

        destination.Record(AttemptOutcome.GatewayFailure, localOrigin: true);

        Assert.True(destination.Ejected);
        Assert.Equal(["ejected c c-0 consecutive_local_origin_failure"], listener.Events);
        Assert.Equal(0, destination.ConsecutiveLocalOriginFailures);
    }

    [Fact]
    public void Record_PerTryTimeoutsSplitAfterWarmup_DoNotTrip5xxRuleButTripTheirOwn()
    {
        var listener = new RecordingEjectionListener();
        using var cluster = Create(_time, 3, Outlier(gatewayFailures: 0, serverErrors: 2) with { ConsecutiveLocalOriginFailures = 4, Warmup = TimeSpan.FromSeconds(30) });
        cluster.Availability.Listener = listener;
        var destination = cluster.Destinations[1];
        _time.Advance(TimeSpan.FromSeconds(30));

        FailLocal(destination, AttemptOutcome.ServerError, 3);
        Assert.False(destination.Ejected);
        Assert.Equal(0, destination.ConsecutiveServerErrors);

        destination.Record(AttemptOutcome.ServerError, localOrigin: true);

        Assert.True(destination.Ejected);
        Assert.Equal(["ejected c c-1 consecutive_local_origin_failure"], listener.Events);
    }

    [Fact]
    public void Record_BackendAnswerBetweenLocalFailures_EndsTheLocalRun()
    {
        using var cluster = Create(_time, 2, Outlier(gatewayFailures: 0, serverErrors: 0) with { ConsecutiveLocalOriginFailures = 3, Warmup = TimeSpan.Zero });
        var destination = cluster.Destinations[0];

        for (var i = 0; i < 10; i++)
        {
            FailLocal(destination, AttemptOutcome.GatewayFailure, 2);
            destination.Record(AttemptOutcome.ServerError);
        }

        Assert.False(destination.Ejected);
        Assert.Equal(0, destination.ConsecutiveLocalOriginFailures);
        Assert.Equal(10, destination.ConsecutiveServerErrors);
    }

    [Fact]
    public void Record_LocalOriginThresholdZero_NeverEjectsForLocalFailures()
    {
        using var cluster = Create(_time, 2, Outlier(gatewayFailures: 1, serverErrors: 1) with { ConsecutiveLocalOriginFailures = 0, Warmup = TimeSpan.Zero });
        var destination = cluster.Destinations[0];

        FailLocal(destination, AttemptOutcome.GatewayFailure, 50);
        FailLocal(destination, AttemptOutcome.ServerError, 50);

        Assert.False(destination.Ejected);
        Assert.Equal(0, destination.ConsecutiveGatewayFailures);
    }

    [Theory]
    [InlineData(true, "consecutive_gateway_failure")]
    [InlineData(false, "consecutive_5xx")]
    public void Record_NotSplit_LocalFailuresCountAsTheBackendsAsBefore(bool gatewayFailure, string rule)
    {
        var outcome = gatewayFailure ? AttemptOutcome.GatewayFailure : AttemptOutcome.ServerError;
        var listener = new RecordingEjectionListener();
        using var cluster = Create(_time, 3, Outlier(gatewayFailures: 5, serverErrors: 5) with { SplitExternalLocalOriginErrors = false, Warmup = TimeSpan.Zero });
        cluster.Availability.Listener = listener;
        var destination = cluster.Destinations[2];

        FailLocal(destination, outcome, 4);
        Assert.Equal(4, destination.ConsecutiveServerErrors);
        Assert.Equal(0, destination.ConsecutiveLocalOriginFailures);
        destination.Record(outcome, localOrigin: true);

        Assert.True(destination.Ejected);
        Assert.Equal([$"ejected c c-2 {rule}"], listener.Events);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Record_PerTryTimeoutsDuringWarmup_NotCountedThenEjectAfterIt(bool split)
    {
        using var cluster = Create(_time, 3, Outlier(gatewayFailures: 5, serverErrors: 5) with { SplitExternalLocalOriginErrors = split, Warmup = TimeSpan.FromSeconds(30) });
        var destination = cluster.Destinations[0];

        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.True(cluster.Availability.IsWarmingUp(destination));
        FailLocal(destination, AttemptOutcome.ServerError, 50);
        Assert.False(destination.Ejected);
        Assert.Equal(0, destination.ConsecutiveLocalOriginFailures);
        Assert.Equal(0, destination.ConsecutiveServerErrors);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(cluster.Availability.IsWarmingUp(destination));
        FailLocal(destination, AttemptOutcome.ServerError, 5);

        Assert.True(destination.Ejected);
    }

    [Fact]
    public void Record_TimeoutsDuringWarmupWhilePeerAnsweredLaterTries_Counted()
    {
        // A cold sidecar times out against every destination alike; when a peer answered a try that began after the
        // timed-out one, the sidecar was fast enough and the destination is the one that hangs.
        using var cluster = Create(_time, 3, Outlier(gatewayFailures: 5, serverErrors: 5) with { Warmup = TimeSpan.FromSeconds(30) });
        var hung = cluster.Destinations[0];
        var peer = cluster.Destinations[1];
        var started = _time.GetTimestamp();

        // No peer answered a later try yet: shielded, as before.
        hung.Record(AttemptOutcome.ServerError, localOrigin: true, started);
        Assert.Equal(0, hung.ConsecutiveLocalOriginFailures);

        // A peer's try that began earlier proves nothing; one that began later does.
        peer.Record(AttemptOutcome.Success, localOrigin: false, started - 1);
        Assert.True(cluster.Availability.ShieldsTimeout(hung, started));
        _time.Advance(TimeSpan.FromMilliseconds(10));
        peer.Record(AttemptOutcome.Success, localOrigin: false, _time.GetTimestamp());
        for (var i = 0; i < 5; i++)
        {
            hung.Record(AttemptOutcome.ServerError, localOrigin: true, started);
        }

        Assert.True(cluster.Availability.IsWarmingUp(hung));
        Assert.True(hung.Ejected);
    }

    [Fact]
    public void Record_ConnectFailuresDuringWarmup_StillEject()
    {
        // A refused connection is not a symptom of a slow sidecar: a backend killed at a cold start still goes.
        using var cluster = Create(_time, 3, Outlier() with { Warmup = TimeSpan.FromSeconds(30) });
        var destination = cluster.Destinations[0];

        FailLocal(destination, AttemptOutcome.GatewayFailure, 5);

        Assert.True(cluster.Availability.IsWarmingUp(destination));
        Assert.True(destination.Ejected);
    }

    [Fact]
    public void Record_BackendsOwnErrorsDuringWarmup_StillEject()
    {
        using var cluster = Create(_time, 3, Outlier() with { Warmup = TimeSpan.FromSeconds(30) });
        var destination = cluster.Destinations[0];

        Fail(destination, AttemptOutcome.ServerError, 5);

        Assert.True(destination.Ejected);
    }

    [Fact]
    public void Tick_DestinationReturnsFromEjection_WarmsUpAgain()
    {
        using var cluster = Create(_time, 3, Outlier(baseSeconds: 10) with { Warmup = TimeSpan.FromSeconds(5) });
        var destination = cluster.Destinations[0];
        _time.Advance(TimeSpan.FromSeconds(5));
        FailLocal(destination, AttemptOutcome.ServerError, 5);
        Assert.True(destination.Ejected);
        Assert.False(cluster.Availability.IsWarmingUp(destination));

        AdvanceByIntervals(_time, TimeSpan.FromSeconds(10));

        Assert.False(destination.Ejected);
        Assert.True(cluster.Availability.IsWarmingUp(destination));
        FailLocal(destination, AttemptOutcome.ServerError, 10);
        Assert.False(destination.Ejected);
    }

    [Fact]
    public void Reload_KeptDestination_KeepsItsWarmupAndNewOneStartsItsOwn()
    {
        var outlier = Outlier() with { Warmup = TimeSpan.FromSeconds(30) };
        using var first = Create(_time, 1, outlier);
        _time.Advance(TimeSpan.FromSeconds(30));
        var kept = first.Destinations[0];

        var fresh = new DestinationState("c-1", "http://127.0.0.1:2");
        first.Availability.Stop();
        using var second = new ClusterAvailability(Config("c", 2, outlier), [kept, fresh], _time);

        Assert.False(second.IsWarmingUp(kept));
        Assert.True(second.IsWarmingUp(fresh));
    }

    [Fact]
    public void IsWarmingUp_WarmupZero_NeverWarming()
    {
        using var cluster = Create(_time, 1, Outlier() with { Warmup = TimeSpan.Zero });

        Assert.False(cluster.Availability.IsWarmingUp(cluster.Destinations[0]));
    }

    private static void FailLocal(DestinationState destination, AttemptOutcome outcome, int times)
    {
        for (var i = 0; i < times; i++)
        {
            destination.Record(outcome, localOrigin: true);
        }
    }
}
