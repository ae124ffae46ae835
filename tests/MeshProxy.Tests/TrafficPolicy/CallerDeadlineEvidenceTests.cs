using MeshProxy.TrafficPolicy;
using Microsoft.Extensions.Time.Testing;
using static MeshProxy.Tests.TrafficPolicy.OutlierClusters;

namespace MeshProxy.Tests.TrafficPolicy;

/// <summary>
/// Issue 12: a try its caller cancelled at the caller's own deadline, with no answer, is a timeout of the destination
/// when a peer answered a try that began after it, whether or not the destination warms up; without that proof it
/// says nothing.
/// </summary>
public sealed class CallerDeadlineEvidenceTests
{
    private readonly FakeTimeProvider _time = new();

    [Theory]
    [InlineData(0)]
    [InlineData(30)]
    public void RecordCallerDeadline_PeerAnsweredLaterTries_EjectedByTheLocalOriginRule(int warmupSeconds)
    {
        var listener = new RecordingEjectionListener();
        using var cluster = Create(_time, 3, Outlier() with { Warmup = TimeSpan.FromSeconds(warmupSeconds) });
        cluster.Availability.Listener = listener;
        var hung = cluster.Destinations[1];
        var peer = cluster.Destinations[0];

        for (var i = 0; i < 5; i++)
        {
            var started = _time.GetTimestamp();
            _time.Advance(TimeSpan.FromMilliseconds(10));
            peer.Record(AttemptOutcome.Success, started: _time.GetTimestamp());
            Assert.True(hung.RecordCallerDeadline(started));
        }

        Assert.True(hung.Ejected);
        Assert.Equal(["ejected c c-1 consecutive_local_origin_failure"], listener.Events);
        Assert.Equal(0, hung.ConsecutiveServerErrors);
        Assert.False(peer.Ejected);
    }

    [Fact]
    public void RecordCallerDeadline_NoPeerAnsweredALaterTry_RecordsNothing()
    {
        using var cluster = Create(_time, 3, Outlier() with { Warmup = TimeSpan.Zero });
        var slow = cluster.Destinations[1];
        var peer = cluster.Destinations[0];

        // The peer's answers are all to tries that began before the cancelled ones: a slow sidecar, not a hung backend.
        peer.Record(AttemptOutcome.Success, started: _time.GetTimestamp());
        _time.Advance(TimeSpan.FromMilliseconds(10));
        for (var i = 0; i < 10; i++)
        {
            Assert.False(slow.RecordCallerDeadline(_time.GetTimestamp()));
        }

        Assert.False(slow.RecordCallerDeadline(0));
        Assert.False(slow.Ejected);
        Assert.Equal(0, slow.ConsecutiveLocalOriginFailures);
    }

    [Fact]
    public void RecordCallerDeadline_OwnAnswerBetween_EndsTheRun()
    {
        using var cluster = Create(_time, 2, Outlier() with { Warmup = TimeSpan.Zero });
        var destination = cluster.Destinations[0];
        var peer = cluster.Destinations[1];

        for (var i = 0; i < 4; i++)
        {
            var started = _time.GetTimestamp();
            _time.Advance(TimeSpan.FromMilliseconds(10));
            peer.Record(AttemptOutcome.Success, started: _time.GetTimestamp());
            destination.RecordCallerDeadline(started);
            destination.RecordCallerDeadline(started);
            destination.Record(AttemptOutcome.Success, started: _time.GetTimestamp());
        }

        Assert.False(destination.Ejected);
        Assert.Equal(0, destination.ConsecutiveLocalOriginFailures);
    }
}
