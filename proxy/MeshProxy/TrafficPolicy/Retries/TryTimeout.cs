namespace MeshProxy.TrafficPolicy.Retries;

/// <summary>
/// The per-try timeout of a call's tries (<c>perTryTimeout</c>; it covers the wait for response headers): one source
/// for all the sequential tries of a call, cancelled by its timer or by the call's token (caller, deadline), re-armed
/// for the next try when the last one did not time out. A try is sent under its token alone, so the per-try timeout
/// costs one source, one timer and one registration on the call's token, rather than a timed source plus a linked one
/// per try. <see cref="ProxyCall.TryTimeoutFor"/> makes it only when the per-try timeout is shorter than the time left.
/// </summary>
/// <remarks>
/// The token outlives the wait for headers: the upstream request's body may still be sent under it (a client-streaming
/// call), so the caller's cancellation must keep reaching it. <see cref="Stop"/> therefore only stops the timer, and the
/// call disposes the source when it ends.
/// </remarks>
internal sealed class TryTimeout : CancellationTokenSource
{
    private readonly CancellationTokenRegistration _call;

    public TryTimeout(TimeSpan timeout, TimeProvider time, CancellationToken call)
        : base(timeout, time)
    {
        // State-taking and static: no closure per try. Runs at once when the call's token is already cancelled.
        _call = call.UnsafeRegister(static state => ((TryTimeout)state!).Cancel(), this);
    }

    /// <summary>
    /// Re-arms the timer for the next try; false when this source was cancelled (its timer fired, or the call's token)
    /// and cannot be used again, or runs on a clock other than <see cref="TimeProvider.System"/> (the runtime resets
    /// only its own timers; tests' fake clocks then get a fresh source per try). Resetting also drops what the
    /// finished try's request had registered on the token.
    /// </summary>
    public bool TryRearm(TimeSpan timeout)
    {
        if (!TryReset())
        {
            return false;
        }

        CancelAfter(timeout);
        return true;
    }

    /// <summary>The try has its response headers: the per-try timeout no longer applies, the call's token still does.</summary>
    public void Stop() => CancelAfter(Timeout.InfiniteTimeSpan);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // Unregister first (this waits for a callback already running), so the call's token never cancels a disposed source.
            _call.Dispose();
        }

        base.Dispose(disposing);
    }
}
