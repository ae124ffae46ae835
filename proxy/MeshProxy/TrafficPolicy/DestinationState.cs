namespace MeshProxy.TrafficPolicy;

/// <summary>One upstream endpoint of a cluster, with the live count of calls in flight to it.</summary>
internal sealed class DestinationState(string name, string prefix)
{
    private int _inFlight;

    public string Name { get; } = name;

    /// <summary>The URI prefix YARP puts before the request's :path, without a trailing slash.</summary>
    public string Prefix { get; } = prefix;

    /// <summary>Calls forwarded to this destination that have not fully ended (streams included).</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Call before forwarding starts; pair with <see cref="RequestEnded"/> in a <c>finally</c>.</summary>
    public void RequestStarted() => Interlocked.Increment(ref _inFlight);

    /// <summary>Call once the call has fully ended, whatever the outcome.</summary>
    public void RequestEnded() => Interlocked.Decrement(ref _inFlight);
}
