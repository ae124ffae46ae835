using System.Collections.Concurrent;

namespace MeshProxy.Forwarding;

/// <summary>
/// The cancellation of one forwarded call: the route's stream idle timeout, re-armed by every read and write of either
/// body, and the two tokens it is linked to (the caller's <c>RequestAborted</c> and the call's deadline), which it
/// tells apart from its own timer (<see cref="CancelledByLinkedToken"/>): a timeout blames a side, a linked
/// cancellation does not. Pooled, since every call needs one and a source that never fired can be reset.
/// </summary>
/// <remarks>
/// Re-arming a timer takes the timer queue's lock, so it is done at most once per <see cref="RearmResolutionMs"/> of
/// activity: the timeout may fire up to that much later than the last byte plus the timeout, which for a stream idle
/// timeout of seconds or minutes is nothing.
/// </remarks>
internal sealed class StreamIdleSource : CancellationTokenSource
{
    private const int RearmResolutionMs = 20;
    private const int PoolSize = 1024;

    private static readonly ConcurrentQueue<StreamIdleSource> Pool = new();
    private static int _pooled;

    private static readonly Action<object?> CancelLinked = static state =>
    {
        var source = (StreamIdleSource)state!;
        source.CancelledByLinkedToken = true;
        source.Cancel(throwOnFirstException: false);
    };

    private int _timeoutMs;
    private uint _armedAt;
    private CancellationTokenRegistration _caller;
    private CancellationTokenRegistration _call;

    private StreamIdleSource()
    {
    }

    /// <summary>True when one of the linked tokens, not the idle timer, cancelled the source.</summary>
    public bool CancelledByLinkedToken { get; private set; }

    /// <summary>
    /// A source that fires after <paramref name="idleTimeout"/> without activity (never for
    /// <see cref="Timeout.InfiniteTimeSpan"/>), or when <paramref name="callerAborted"/> or <paramref name="call"/> is
    /// cancelled. Give it back with <see cref="Return"/>.
    /// </summary>
    public static StreamIdleSource Rent(TimeSpan idleTimeout, CancellationToken callerAborted, CancellationToken call)
    {
        if (Pool.TryDequeue(out var source))
        {
            Interlocked.Decrement(ref _pooled);
        }
        else
        {
            source = new StreamIdleSource();
        }

        source._timeoutMs = (int)idleTimeout.TotalMilliseconds;
        source._caller = callerAborted.UnsafeRegister(CancelLinked, source);
        source._call = call.UnsafeRegister(CancelLinked, source);
        source.Arm();
        return source;
    }

    /// <summary>Bytes moved: the idle time starts again.</summary>
    public void Activity()
    {
        var now = (uint)Environment.TickCount;
        if (now - _armedAt > RearmResolutionMs)
        {
            Arm();
        }
    }

    /// <summary>The call is over: the source goes back to the pool when it never fired, else it is disposed.</summary>
    public void Return()
    {
        _caller.Dispose();
        _caller = default;
        _call.Dispose();
        _call = default;
        if (TryReset())
        {
            if (Interlocked.Increment(ref _pooled) <= PoolSize)
            {
                Pool.Enqueue(this);
                return;
            }

            Interlocked.Decrement(ref _pooled);
        }

        Dispose();
    }

    private void Arm()
    {
        _armedAt = (uint)Environment.TickCount;
        CancelAfter(_timeoutMs);
    }
}
