namespace MeshProxy.Configuration;

/// <summary>
/// A cluster's circuit breakers (<c>circuitBreakers:</c>), Envoy's thresholds: what the sidecar refuses at once,
/// without asking a backend, when the cluster is already as busy as the operator allows.
/// </summary>
/// <param name="MaxRequests">
/// Calls in flight to the cluster at most (Envoy's <c>max_requests</c>), at least 1. A call over it waits in the
/// pending queue. Default 1024 (Envoy's).
/// </param>
/// <param name="MaxPendingRequests">
/// Calls waiting for a request slot at most (Envoy's <c>max_pending_requests</c>), 0 or more; 0 refuses at once
/// whatever finds the cluster full. A waiting call waits at most until its deadline. Default 1024 (Envoy's).
/// </param>
/// <param name="MaxRetries">
/// Retries (hedges included) in flight to the cluster at most (Envoy's <c>max_retries</c>), at least 1; null (the
/// default) leaves retries to the cluster's <c>retryBudget</c> alone, as Envoy ignores <c>max_retries</c> once a retry
/// budget is set (and every MeshProxy cluster has one). When given, a retry needs both.
/// </param>
internal sealed record CircuitBreakersConfig(int MaxRequests, int MaxPendingRequests, int? MaxRetries)
{
    public const int DefaultMaxRequests = 1024;

    public const int DefaultMaxPendingRequests = 1024;

    public static CircuitBreakersConfig Default { get; } = new(DefaultMaxRequests, DefaultMaxPendingRequests, MaxRetries: null);
}
