namespace MeshProxy.Configuration;

/// <summary>
/// A cluster's retry budget (<c>retryBudget:</c>, Envoy's <c>budget_percent</c> and <c>min_retry_concurrency</c>):
/// retries in flight in the cluster may not exceed max(<paramref name="MinConcurrency"/>, <paramref name="Percent"/>%
/// of its active calls), so retries cannot multiply the load on a failing upstream.
/// </summary>
/// <param name="Percent">Share of the cluster's active calls that may be retries, 0 to 100. Default 20.</param>
/// <param name="MinConcurrency">Retries always allowed in flight, whatever the share. Default 3.</param>
/// <remarks>
/// Alongside that cap, a retry that finds it full may still go when the cluster's ratio budget has credit (Linkerd's
/// retry budget): <see cref="Ratio"/> retries per call over the last <see cref="Window"/>, plus
/// <see cref="MinRetriesPerSecond"/>. A burst of failures (a backend killed under load) is then retried out of what
/// the calls before it banked, while a backend that keeps failing soon spends the credit and retries fall back to the
/// concurrency cap. Retries that no server saw (connect failure, refused stream) spend neither.
/// </remarks>
internal sealed record RetryBudgetConfig(int Percent, int MinConcurrency)
{
    // Before Default: static initializers run in order, and Default's Window reads this one.
    public static TimeSpan DefaultWindow { get; } = TimeSpan.FromSeconds(10);

    public static RetryBudgetConfig Default { get; } = new(Percent: 20, MinConcurrency: 3);

    /// <summary>Retries allowed per call started in the cluster over <see cref="Window"/>, 0 to 10. Default 0.2 (Linkerd's).</summary>
    public double Ratio { get; init; } = 0.2;

    /// <summary>
    /// Retries per second allowed whatever the traffic, 0 or more. Default 10 (Linkerd's): a sidecar that loses a
    /// backend right after a cold start has banked few calls yet, and the burst of failures it sees then outruns both
    /// the concurrency cap and the ratio (bench/chaos.sh, "unavailable": 5 of 1,113 calls lost with 0).
    /// </summary>
    public int MinRetriesPerSecond { get; init; } = DefaultMinRetriesPerSecond;

    public const int DefaultMinRetriesPerSecond = 10;

    /// <summary>How far back calls and retries count for <see cref="Ratio"/>, 1s to 5m. Default 10s (Linkerd's ttl).</summary>
    public TimeSpan Window { get; init; } = DefaultWindow;
}
