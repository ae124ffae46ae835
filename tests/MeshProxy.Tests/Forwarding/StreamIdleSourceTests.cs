using MeshProxy.Forwarding;

namespace MeshProxy.Tests.Forwarding;

/// <summary>
/// The forwarded call's one cancellation: its own idle timer and the two tokens it is linked to, told apart, and a
/// source that fired never goes back to the pool.
/// </summary>
public sealed class StreamIdleSourceTests
{
    [Fact]
    public async Task Rent_NoActivity_FiresAfterTheIdleTimeout_NotByALinkedToken()
    {
        var source = StreamIdleSource.Rent(TimeSpan.FromMilliseconds(50), CancellationToken.None, CancellationToken.None);

        await Task.Delay(Timeout.Infinite, source.Token).ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(source.IsCancellationRequested);
        Assert.False(source.CancelledByLinkedToken);
        source.Return();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Rent_ALinkedTokenCancels_CancelledByLinkedToken(bool caller)
    {
        using var callerAborted = new CancellationTokenSource();
        using var deadline = new CancellationTokenSource();
        var source = StreamIdleSource.Rent(Timeout.InfiniteTimeSpan, callerAborted.Token, deadline.Token);

        await (caller ? callerAborted : deadline).CancelAsync();

        Assert.True(source.IsCancellationRequested);
        Assert.True(source.CancelledByLinkedToken);
        source.Return();
    }

    [Fact]
    public void Return_AfterALinkedTokenFired_SourceIsNotReused()
    {
        using var callerAborted = new CancellationTokenSource();
        var fired = StreamIdleSource.Rent(Timeout.InfiniteTimeSpan, callerAborted.Token, CancellationToken.None);
        callerAborted.Cancel();
        fired.Return();

        for (var i = 0; i < 100; i++)
        {
            var next = StreamIdleSource.Rent(Timeout.InfiniteTimeSpan, CancellationToken.None, CancellationToken.None);
            Assert.NotSame(fired, next);
            Assert.False(next.IsCancellationRequested);
            Assert.False(next.CancelledByLinkedToken);
            next.Return();
        }
    }

    [Fact]
    public async Task Return_ThenALinkedTokenCancels_TheReusedSourceIsNotCancelled()
    {
        using var earlier = new CancellationTokenSource();
        var first = StreamIdleSource.Rent(Timeout.InfiniteTimeSpan, earlier.Token, CancellationToken.None);
        first.Return();
        var second = StreamIdleSource.Rent(Timeout.InfiniteTimeSpan, CancellationToken.None, CancellationToken.None);

        await earlier.CancelAsync();

        Assert.False(second.IsCancellationRequested);
        second.Return();
    }

    [Fact]
    public async Task Activity_KeepsTheSourceAlivePastTheTimeout()
    {
        var source = StreamIdleSource.Rent(TimeSpan.FromSeconds(2), CancellationToken.None, CancellationToken.None);

        // Activity every 250 ms for 3 s: half as long again as the timeout, and never 2 s idle (a delay would have to
        // stall for 1.75 s on a loaded machine to make it so).
        for (var i = 0; i < 12; i++)
        {
            await Task.Delay(250);
            source.Activity();
        }

        Assert.False(source.IsCancellationRequested);
        source.Return();
    }
}
