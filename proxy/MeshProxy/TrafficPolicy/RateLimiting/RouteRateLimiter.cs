using System.Threading.RateLimiting;
using MeshProxy.Configuration;

namespace MeshProxy.TrafficPolicy.RateLimiting;

/// <summary>
/// A route's local rate limit: a System.Threading.RateLimiting <see cref="TokenBucketRateLimiter"/> of
/// <c>maxTokens</c>, topped up with <c>tokensPerFill</c> every <c>fillInterval</c> by the limiter's own timer, with no
/// queue (a call that finds the bucket empty is refused at once, as Envoy's local rate limit does).
/// </summary>
/// <remarks>
/// The limiter reads the real clock (it takes no <see cref="TimeProvider"/>: dotnet/runtime#106447), so tests make the
/// bucket's state observable rather than advancing a virtual clock: a long fill interval keeps a bucket empty for the
/// test's length, and a refill is awaited through <see cref="AvailableTokens"/>.
/// </remarks>
internal sealed class RouteRateLimiter : IDisposable
{
    private readonly TokenBucketRateLimiter _bucket;

    public RouteRateLimiter(RateLimitConfig config)
    {
        Config = config;
        _bucket = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = config.MaxTokens,
            TokensPerPeriod = config.TokensPerFill,
            ReplenishmentPeriod = config.FillInterval,
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }

    public RateLimitConfig Config { get; }

    /// <summary>Tokens in the bucket now.</summary>
    public long AvailableTokens => _bucket.GetStatistics()?.CurrentAvailablePermits ?? 0;

    /// <summary>
    /// Takes a token; false when the bucket is empty, with how long until the next fill brings one when the limiter
    /// knows it. A limiter a reload has just disposed admits the call (the new snapshot's limiter counts from now on).
    /// </summary>
    public bool TryAcquire(out TimeSpan? retryAfter)
    {
        retryAfter = null;
        RateLimitLease lease;
        try
        {
            lease = _bucket.AttemptAcquire(1);
        }
        catch (ObjectDisposedException)
        {
            return true;
        }

        using (lease)
        {
            if (lease.IsAcquired)
            {
                return true;
            }

            if (lease.TryGetMetadata(MetadataName.RetryAfter, out var after))
            {
                retryAfter = after;
            }

            return false;
        }
    }

    public void Dispose() => _bucket.Dispose();
}
