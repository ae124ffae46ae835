namespace MeshProxy.TrafficPolicy;

/// <summary>
/// A call's deadline (PROTOCOL-HTTP2.md, Timeout: the shorter of the caller's <c>grpc-timeout</c> and the route's
/// <c>timeout</c>) as the call's one cancellation source: one object and one timer per call that has a deadline, none
/// for a call without. It is started when the call has been routed and is read by every stage after: the overload
/// gate's pending queue, the forwarder (it links it to the caller's <c>RequestAborted</c> in its own pooled
/// source, so linking it here as well would only add a registration), the attempt loop's backoff and per-try
/// timeout, and <c>grpc-timeout</c> upstream (<see cref="Remaining"/>).
/// </summary>
/// <remarks>
/// It is a <see cref="CancellationTokenSource"/> itself rather than an object holding one, so the deadline costs the
/// source and its timer and nothing else. Its token is cancelled by its timer only, so <see cref="Expired"/> says the
/// deadline fired, never that the caller went away (<c>RequestAborted</c> says that). The timer runs on the injected
/// <see cref="TimeProvider"/> (the system one takes the runtime's timer queue directly; tests use a fake clock).
/// </remarks>
internal sealed class CallDeadline : CancellationTokenSource
{
    // A CancellationTokenSource counts whole milliseconds up to uint.MaxValue - 1 (about 49.7 days), while a grpc-timeout
    // may say up to 99999999H; a deadline that far off never fires for a running process, so it gets no timer.
    private static readonly TimeSpan LongestTimer = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    private readonly TimeProvider _time;

    private CallDeadline(TimeSpan timeout, TimeProvider time)
        : base(timeout <= LongestTimer ? timeout : System.Threading.Timeout.InfiniteTimeSpan, time)
    {
        Timeout = timeout;
        _time = time;
        Started = time.GetTimestamp();
    }

    /// <summary>How long the call may take, from <see cref="Started"/>.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>When the deadline started counting (a <see cref="TimeProvider"/> timestamp).</summary>
    public long Started { get; }

    /// <summary>
    /// True once the deadline's timer fired. Readers use this rather than comparing the clock: the runtime's timers
    /// count whole milliseconds and may fire a fraction of one before the clock says the time is up.
    /// </summary>
    public bool Expired => IsCancellationRequested;

    /// <summary>Starts the deadline of a call that has one; null (no object, no timer) for a call without.</summary>
    public static CallDeadline? Start(TimeSpan? timeout, TimeProvider time) => timeout is { } t ? new CallDeadline(t, time) : null;

    /// <summary>Time left (negative once passed).</summary>
    public TimeSpan Remaining() => Timeout - _time.GetElapsedTime(Started);
}
