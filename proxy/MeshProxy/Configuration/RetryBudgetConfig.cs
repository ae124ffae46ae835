namespace MeshProxy.Configuration;

/// <summary>
/// A cluster's retry budget (<c>retryBudget:</c>, Envoy's <c>budget_percent</c> and <c>min_retry_concurrency</c>):
/// retries in flight in the cluster may not exceed max(<paramref name="MinConcurrency"/>, <paramref name="Percent"/>%
/// of its active calls), so retries cannot multiply the load on a failing upstream.
/// </summary>
/// <param name="Percent">Share of the cluster's active calls that may be retries, 0 to 100. Default 20.</param>
/// <param name="MinConcurrency">Retries always allowed in flight, whatever the share. Default 3.</param>
internal sealed record RetryBudgetConfig(int Percent, int MinConcurrency)
{
    public static RetryBudgetConfig Default { get; } = new(Percent: 20, MinConcurrency: 3);
}
