namespace MeshProxy.TrafficPolicy.CircuitBreaking;

/// <summary>Which threshold of a <see cref="CircuitBreaker"/> refused a call (the <c>breaker</c> label of the metrics).</summary>
internal enum BreakerLimit
{
    /// <summary><c>maxRequests</c> calls in flight and no pending queue (<c>maxPendingRequests: 0</c>).</summary>
    Requests,

    /// <summary><c>maxRequests</c> calls in flight and <c>maxPendingRequests</c> already waiting.</summary>
    Pending,

    /// <summary><c>maxRetries</c> retries (hedges included) in flight.</summary>
    Retries,
}
