namespace MeshProxy.TrafficPolicy;

/// <summary>
/// Hears each try of a call as it is about to be sent upstream (a callback registered at start, as
/// <see cref="IEjectionListener"/> is): tracing starts the try's span there and sends its context with the request.
/// The path never waits for an observer, and observers never change where the call goes.
/// </summary>
internal interface ICallObserver
{
    void AttemptStarting(ProxyCall call, CallAttempt attempt, HttpRequestMessage request);
}
