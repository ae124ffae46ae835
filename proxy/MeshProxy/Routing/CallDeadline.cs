namespace MeshProxy.Routing;

/// <summary>The deadline of one call (a per-request feature read by the transformer).</summary>
internal sealed class CallDeadline(long startTimestamp, TimeSpan timeout)
{
    public TimeSpan Timeout { get; } = timeout;

    public TimeSpan Remaining(TimeProvider time) => Timeout - time.GetElapsedTime(startTimestamp);
}
