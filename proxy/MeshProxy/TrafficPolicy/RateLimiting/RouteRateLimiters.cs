using MeshProxy.Configuration;

namespace MeshProxy.TrafficPolicy.RateLimiting;

/// <summary>
/// The live rate limiters, by route name. Applying a config keeps the limiter (and the tokens it holds) of every route
/// whose <c>rateLimit</c> is equal, whatever else of the route changed, builds the rest, and disposes the limiters no
/// route uses any more (their timers stop).
/// </summary>
internal sealed class RouteRateLimiters : IDisposable
{
    private readonly Lock _lock = new();
    private Dictionary<string, RouteRateLimiter> _live = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, RouteRateLimiter> Apply(IEnumerable<RouteConfig> routes)
    {
        lock (_lock)
        {
            var next = new Dictionary<string, RouteRateLimiter>(StringComparer.Ordinal);
            foreach (var route in routes)
            {
                if (route.RateLimit is not { } config)
                {
                    continue;
                }

                next[route.Name] = _live.TryGetValue(route.Name, out var existing) && existing.Config.Equals(config)
                    ? existing
                    : new RouteRateLimiter(config);
            }

            foreach (var (name, old) in _live)
            {
                if (!next.TryGetValue(name, out var kept) || !ReferenceEquals(kept, old))
                {
                    old.Dispose();
                }
            }

            _live = next;
            return next;
        }
    }

    /// <summary>The limiters of the last applied config, by route name.</summary>
    public IReadOnlyDictionary<string, RouteRateLimiter> Current
    {
        get
        {
            lock (_lock)
            {
                return _live;
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var limiter in _live.Values)
            {
                limiter.Dispose();
            }

            _live.Clear();
        }
    }
}
