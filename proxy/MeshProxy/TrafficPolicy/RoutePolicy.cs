using MeshProxy.Configuration;
using MeshProxy.TrafficPolicy.RateLimiting;
using MeshProxy.TrafficPolicy.Retries;

namespace MeshProxy.TrafficPolicy;

/// <summary>
/// What traffic policy applies to a route's calls, compiled once per snapshot: its backends (canary split), retry and
/// hedging policies, whether its methods are all safe to repeat, and its timeout. Routing hands it to each
/// <see cref="ProxyCall"/>; nothing in it refers back to routing.
/// </summary>
internal sealed class RoutePolicy
{
    public RoutePolicy(RouteConfig config, BackendPicker backends, RouteRateLimiter? rateLimit = null)
    {
        RateLimit = rateLimit;
        Name = config.Name;
        Backends = backends;
        Retry = config.Retry.Equals(RetryPolicy.Default.Config) ? RetryPolicy.Default : new RetryPolicy(config.Retry);
        Hedging = config.Hedging is { } hedging ? new HedgingPolicy(hedging) : null;
        Idempotent = config.Idempotent;
        Timeout = config.Timeout > TimeSpan.Zero ? config.Timeout : null;
    }

    public string Name { get; }

    public BackendPicker Backends { get; }

    public RetryPolicy Retry { get; }

    /// <summary>For the route's idempotent methods; null when the route does not hedge.</summary>
    public HedgingPolicy? Hedging { get; }

    /// <summary>The route says all its methods are safe to repeat (<c>idempotent: true</c>).</summary>
    public bool Idempotent { get; }

    /// <summary>The route's local rate limit (kept across reloads that leave it equal); null for none.</summary>
    public RouteRateLimiter? RateLimit { get; }

    /// <summary>The route's own cap on a call's duration; null for none.</summary>
    public TimeSpan? Timeout { get; }
}
