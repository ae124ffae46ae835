namespace MeshProxy.Routing;

/// <summary>The deadline of one call (a per-request feature read by the transformer and the REST writer).</summary>
internal sealed class CallDeadline(long startTimestamp, TimeSpan timeout)
{
    public TimeSpan Timeout { get; } = timeout;

    /// <summary>
    /// True once the deadline's timer cut the call. Readers use this rather than comparing the clock: the runtime's
    /// timers count whole milliseconds and may fire a fraction of one before the clock says the time is up.
    /// </summary>
    public bool Expired { get; private set; }

    public TimeSpan Remaining(TimeProvider time) => Timeout - time.GetElapsedTime(startTimestamp);

    internal void MarkExpired() => Expired = true;
}
