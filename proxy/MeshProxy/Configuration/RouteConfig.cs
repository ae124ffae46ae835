namespace MeshProxy.Configuration;

/// <summary>A gRPC route: which calls it takes and where they go.</summary>
/// <param name="Name">Unique, [a-z0-9-_.].</param>
/// <param name="Match">Method and header conditions.</param>
/// <param name="Backends">Weighted clusters; the <c>cluster:</c> shorthand is one backend of weight 100.</param>
/// <param name="Timeout">Max call duration when the caller sends no shorter grpc-timeout; zero means none. Default 0s.</param>
/// <param name="StreamIdleTimeout">No bytes either way for this long ends the stream; zero means never. Default 5m.</param>
internal sealed record RouteConfig(
    string Name,
    RouteMatchConfig Match,
    EquatableArray<BackendConfig> Backends,
    TimeSpan Timeout,
    TimeSpan StreamIdleTimeout)
{
    /// <summary>
    /// Optional sticky split (<c>hashOn: { header: x-user-id }</c>): pick the backend from a stable hash of this
    /// header's value instead of at random. Default none (weighted random).
    /// </summary>
    public HashOnConfig? HashOn { get; init; }

    /// <summary>Retries on retriable gRPC status and transport failures (<c>retry:</c>). Default <see cref="RetryPolicyConfig.Default"/>.</summary>
    public RetryPolicyConfig Retry { get; init; } = RetryPolicyConfig.Default;

    /// <summary>
    /// Every method of the route is safe to repeat (<c>idempotent: true</c>), for services whose descriptors carry no
    /// <c>idempotency_level</c>: a reset or a lost connection is then retried, and <see cref="Hedging"/> applies. Default false.
    /// </summary>
    public bool Idempotent { get; init; }

    /// <summary>Hedging for the route's idempotent methods (<c>hedging:</c>); null (the default) sends one try at a time.</summary>
    public HedgingPolicyConfig? Hedging { get; init; }

    /// <summary>Local rate limit of the route's calls (<c>rateLimit:</c>, a token bucket); null (the default) for none.</summary>
    public RateLimitConfig? RateLimit { get; init; }

    public static TimeSpan DefaultStreamIdleTimeout { get; } = TimeSpan.FromMinutes(5);
}
