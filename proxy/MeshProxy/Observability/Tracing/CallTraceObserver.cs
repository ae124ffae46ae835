using MeshProxy.TrafficPolicy;

namespace MeshProxy.Observability.Tracing;

/// <summary>Gives each try of a call its client span and the upstream its trace context (<see cref="CallTrace"/>).</summary>
internal sealed class CallTraceObserver : ICallObserver
{
    public void AttemptStarting(ProxyCall call, CallAttempt attempt, HttpRequestMessage request) =>
        CallTrace.PropagateUpstream(call.HttpContext, attempt, request);
}
