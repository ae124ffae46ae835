using MeshProxy.TrafficPolicy;
using Microsoft.Extensions.Time.Testing;

namespace MeshProxy.Tests.TrafficPolicy;

/// <summary>The call's deadline: one source whose token its own timer cancels, on the injected clock.</summary>
public sealed class CallDeadlineTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Start_NoTimeout_NoSource()
    {
        Assert.Null(CallDeadline.Start(null, _time));
    }

    [Fact]
    public void Start_Timeout_CancelsWhenTheTimeIsUpAndNotBefore()
    {
        using var deadline = CallDeadline.Start(TimeSpan.FromSeconds(1), _time)!;

        _time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(deadline.Expired);
        Assert.False(deadline.Token.IsCancellationRequested);
        Assert.Equal(TimeSpan.FromMilliseconds(1), deadline.Remaining());

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(deadline.Expired);
        Assert.True(deadline.Token.IsCancellationRequested);
        Assert.Equal(TimeSpan.Zero, deadline.Remaining());
        Assert.Equal(TimeSpan.FromSeconds(1), deadline.Timeout);
    }

    [Fact]
    public void Start_ZeroTimeout_ExpiredAtOnce()
    {
        using var deadline = CallDeadline.Start(TimeSpan.Zero, _time)!;

        Assert.True(deadline.Expired);
        Assert.True(deadline.Remaining() <= TimeSpan.Zero);
    }

    [Fact]
    public void Start_TimeoutLongerThanATimerCounts_NoThrowAndNeverFires()
    {
        // grpc-timeout "99999999H": far beyond the 49.7 days a CancellationTokenSource's timer can count.
        var timeout = TimeSpan.FromHours(99_999_999);
        using var deadline = CallDeadline.Start(timeout, _time)!;

        _time.Advance(TimeSpan.FromDays(60));
        Assert.False(deadline.Expired);
        Assert.Equal(timeout - TimeSpan.FromDays(60), deadline.Remaining());
    }

    [Fact]
    public void Expired_CancelledOnlyByItsTimer_CallerAbortIsNotTheDeadline()
    {
        // The deadline is not linked to RequestAborted (YARP links the two itself): a caller that goes away leaves it untouched.
        using var aborted = new CancellationTokenSource();
        using var deadline = CallDeadline.Start(TimeSpan.FromSeconds(5), _time)!;
        using var forwarder = CancellationTokenSource.CreateLinkedTokenSource(aborted.Token, deadline.Token);

        aborted.Cancel();

        Assert.True(forwarder.IsCancellationRequested);
        Assert.False(deadline.Expired);
    }
}
