using System.Collections.Immutable;
using MeshProxy.Configuration;
using MeshProxy.TrafficPolicy;
using MeshProxy.TrafficPolicy.Retries;
using MeshProxy.TestSupport;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace MeshProxy.Tests.TrafficPolicy.Retries;

/// <summary>
/// The per-try timeout: one source per call whose timer or the call's token cancels it, re-armed across tries, and
/// none at all when the deadline would end the try first.
/// </summary>
public sealed class TryTimeoutTests : IDisposable
{
    private static readonly TimeSpan PerTry = TimeSpan.FromSeconds(1);
    private readonly FakeTimeProvider _time = new();
    private readonly ClusterState _cluster = TestClusters.Create("c");

    public void Dispose() => _cluster.Dispose();

    [Fact]
    public void TryTimeout_TimerFires_CancelsTheTryNotTheCall()
    {
        using var call = new CancellationTokenSource();
        using var perTry = new TryTimeout(PerTry, _time, call.Token);

        _time.Advance(PerTry);

        Assert.True(perTry.IsCancellationRequested);
        Assert.False(call.IsCancellationRequested);
    }

    [Fact]
    public void TryTimeout_CallCancelled_CancelsTheTry()
    {
        using var call = new CancellationTokenSource();
        using var perTry = new TryTimeout(PerTry, _time, call.Token);

        call.Cancel();

        Assert.True(perTry.IsCancellationRequested);
    }

    [Fact]
    public void TryTimeout_CallAlreadyCancelled_CancelledAtOnce()
    {
        using var call = new CancellationTokenSource();
        call.Cancel();

        using var perTry = new TryTimeout(PerTry, _time, call.Token);

        Assert.True(perTry.IsCancellationRequested);
    }

    [Fact]
    public void Stop_HeadersArrived_TimerNoLongerFiresButTheCallStillCancels()
    {
        using var call = new CancellationTokenSource();
        using var perTry = new TryTimeout(PerTry, _time, call.Token);

        perTry.Stop();
        _time.Advance(PerTry * 10);
        Assert.False(perTry.IsCancellationRequested);

        call.Cancel();
        Assert.True(perTry.IsCancellationRequested);
    }

    [Fact]
    public async Task TryRearm_SystemClockAfterATryThatDidNotTimeOut_SameSourceTimesTheNextTry()
    {
        // The runtime resets only its own timer (TimeProvider.System); under a fake clock TryRearm is false and the
        // call makes a fresh source (TryTimeoutFor_FakeClock_... below).
        using var call = new CancellationTokenSource();
        using var perTry = new TryTimeout(TimeSpan.FromHours(1), TimeProvider.System, call.Token);
        var finishedTry = 0;
        perTry.Token.Register(() => finishedTry++);
        perTry.Stop();

        Assert.True(perTry.TryRearm(TimeSpan.FromMilliseconds(1)));

        var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        perTry.Token.Register(() => fired.SetResult());
        await fired.Task.DefaultTimeout();
        Assert.Equal(0, finishedTry);

        // The call's token still reaches a re-armed source (its registration is on the call's token, not on this one).
        Assert.False(call.IsCancellationRequested);
    }

    [Fact]
    public void TryRearm_FakeClock_FalseSoTheCallMakesAFreshSource()
    {
        using var call = new CancellationTokenSource();
        using var perTry = new TryTimeout(PerTry, _time, call.Token);
        perTry.Stop();

        Assert.False(perTry.TryRearm(PerTry));
    }

    [Fact]
    public void TryRearm_AfterTheTryTimedOut_False()
    {
        using var call = new CancellationTokenSource();
        using var perTry = new TryTimeout(PerTry, _time, call.Token);
        _time.Advance(PerTry);

        Assert.False(perTry.TryRearm(PerTry));
    }

    [Fact]
    public void Dispose_ThenCallCancelled_NothingThrows()
    {
        using var call = new CancellationTokenSource();
        var perTry = new TryTimeout(PerTry, _time, call.Token);

        perTry.Dispose();
        call.Cancel();

        Assert.False(perTry.IsCancellationRequested);
    }

    [Fact]
    public void TryTimeoutFor_PerTryNotShorterThanTheTimeLeft_NoSource()
    {
        using var deadline = CallDeadline.Start(TimeSpan.FromSeconds(10), _time);
        var call = Start(deadline);
        try
        {
            Assert.Null(call.TryTimeoutFor(TimeSpan.FromSeconds(10), deadline!.Token));
            Assert.Null(call.TryTimeoutFor(TimeSpan.FromSeconds(30), deadline.Token));
            Assert.Null(call.TryTimeoutFor(TimeSpan.Zero, deadline.Token));

            // The time left shrinks: 6 s later a per-try timeout of 5 s is the shorter one.
            _time.Advance(TimeSpan.FromSeconds(6));
            Assert.Null(call.TryTimeoutFor(TimeSpan.FromSeconds(5), deadline.Token));
            _time.Advance(TimeSpan.FromSeconds(1));
            Assert.Null(call.TryTimeoutFor(TimeSpan.FromSeconds(3), deadline.Token));
            Assert.NotNull(call.TryTimeoutFor(TimeSpan.FromSeconds(2), deadline.Token));
        }
        finally
        {
            call.End();
        }
    }

    [Fact]
    public void TryTimeoutFor_SystemClockShorterPerTry_OneSourceForTriesThatDidNotTimeOut()
    {
        using var deadline = CallDeadline.Start(TimeSpan.FromHours(2), TimeProvider.System);
        var call = Start(deadline, TimeProvider.System);
        try
        {
            var first = call.TryTimeoutFor(TimeSpan.FromHours(1), deadline!.Token);
            Assert.NotNull(first);
            first.Stop();

            // The first try failed with a reply: the second reuses the source.
            Assert.Same(first, call.TryTimeoutFor(TimeSpan.FromHours(1), deadline.Token));
        }
        finally
        {
            call.End();
        }
    }

    [Fact]
    public void TryTimeoutFor_TryTimedOut_FreshSourceThatTheDeadlineStillCancels()
    {
        using var deadline = CallDeadline.Start(TimeSpan.FromSeconds(30), _time);
        var call = Start(deadline);
        try
        {
            var first = call.TryTimeoutFor(PerTry, deadline!.Token);
            _time.Advance(PerTry);
            Assert.True(first!.IsCancellationRequested);
            Assert.False(deadline.Expired);

            var second = call.TryTimeoutFor(PerTry, deadline.Token);
            Assert.NotSame(first, second);
            Assert.False(second!.IsCancellationRequested);
            second.Stop();

            _time.Advance(TimeSpan.FromSeconds(29));
            Assert.True(deadline.Expired);
            Assert.True(second.IsCancellationRequested);
        }
        finally
        {
            call.End();
        }
    }

    [Fact]
    public void TryTimeoutFor_NoDeadline_PerTrySourceLinkedToTheCallToken()
    {
        using var aborted = new CancellationTokenSource();
        var call = Start(deadline: null);
        try
        {
            var perTry = call.TryTimeoutFor(PerTry, aborted.Token);
            Assert.NotNull(perTry);

            aborted.Cancel();
            Assert.True(perTry.IsCancellationRequested);
        }
        finally
        {
            call.End();
        }
    }

    private ProxyCall Start(CallDeadline? deadline, TimeProvider? time = null)
    {
        var config = new RouteConfig(
            "r",
            new RouteMatchConfig("/pkg.Service/*", null, null, EquatableArray<HeaderMatchConfig>.Empty),
            new(ImmutableArray.Create(new BackendConfig("c", 100))),
            TimeSpan.Zero,
            TimeSpan.Zero);
        var route = new RoutePolicy(config, new BackendPicker([(_cluster, 100)], new Random(1)));
        var services = new CallServices(time ?? _time, new Random(1), NullLogger<ProxyCall>.Instance);
        return ProxyCall.Start(new DefaultHttpContext(), route, idempotent: false, deadline, services, _cluster);
    }
}
