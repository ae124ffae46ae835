namespace MeshProxy.TrafficPolicy;

/// <summary>One upstream endpoint of a cluster, with the live count of calls in flight to it.</summary>
internal sealed class DestinationState(string name, string prefix)
{
    private int _inFlight;
    private int _consecutiveGatewayFailures;
    private int _consecutiveServerErrors;

    public string Name { get; } = name;

    /// <summary>The URI prefix YARP puts before the request's :path, without a trailing slash.</summary>
    public string Prefix { get; } = prefix;

    /// <summary>Calls forwarded to this destination that have not fully ended (streams included).</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Gateway failures since the last attempt that was not one.</summary>
    public int ConsecutiveGatewayFailures => Volatile.Read(ref _consecutiveGatewayFailures);

    /// <summary>Server errors (gateway failures included) since the last successful attempt.</summary>
    public int ConsecutiveServerErrors => Volatile.Read(ref _consecutiveServerErrors);

    /// <summary>Call before forwarding starts; pair with <see cref="RequestEnded"/> in a <c>finally</c>.</summary>
    public void RequestStarted() => Interlocked.Increment(ref _inFlight);

    /// <summary>Call once the call has fully ended, whatever the outcome.</summary>
    public void RequestEnded() => Interlocked.Decrement(ref _inFlight);

    /// <summary>Records what one attempt at this destination said about its health (passive health).</summary>
    public void Record(AttemptOutcome outcome)
    {
        switch (outcome)
        {
            case AttemptOutcome.Success:
                Volatile.Write(ref _consecutiveGatewayFailures, 0);
                Volatile.Write(ref _consecutiveServerErrors, 0);
                break;
            case AttemptOutcome.ServerError:
                Volatile.Write(ref _consecutiveGatewayFailures, 0);
                Interlocked.Increment(ref _consecutiveServerErrors);
                break;
            case AttemptOutcome.GatewayFailure:
                Interlocked.Increment(ref _consecutiveGatewayFailures);
                Interlocked.Increment(ref _consecutiveServerErrors);
                break;
        }
    }
}
