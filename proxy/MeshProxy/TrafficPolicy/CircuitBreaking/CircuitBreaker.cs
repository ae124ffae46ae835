using System.Threading.RateLimiting;
using MeshProxy.Configuration;

namespace MeshProxy.TrafficPolicy.CircuitBreaking;

/// <summary>
/// A cluster's circuit breakers (Envoy's thresholds, not a failure-counting breaker): at most <c>maxRequests</c> calls in
/// flight, at most <c>maxPendingRequests</c> waiting for one of those slots, and, when set, at most <c>maxRetries</c>
/// retries in flight. Both limits are System.Threading.RateLimiting <see cref="ConcurrencyLimiter"/>s: a lease is a slot,
/// disposing it frees the slot and admits the oldest waiter.
/// </summary>
/// <remarks>
/// <para>
/// One per <see cref="ClusterState"/>, handed to its successor when a reload leaves <see cref="CircuitBreakersConfig"/>
/// equal (<see cref="For"/>), so the calls in flight keep counting. When the limits change a new breaker takes them at
/// once: calls admitted under the old limits finish under them (their leases go back to the old limiter), new calls
/// count against the new one. A ConcurrencyLimiter's limits are fixed at construction, so this is the one way to take
/// new limits live.
/// </para>
/// <para>
/// Nothing here is disposed: a ConcurrencyLimiter owns no timer, and disposing one would fail its waiters, which a
/// superseded breaker still serves until their calls end.
/// </para>
/// </remarks>
internal sealed class CircuitBreaker
{
    // A refusal warning per cluster at most this often; the Debug log has every refusal.
    private static readonly TimeSpan WarningInterval = TimeSpan.FromSeconds(5);

    private readonly ConcurrencyLimiter _requests;
    private readonly ConcurrencyLimiter? _retries;
    private long _lastWarning = long.MinValue;
    private int _refusedSinceWarning;

    public CircuitBreaker(CircuitBreakersConfig config)
    {
        Config = config;
        _requests = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = config.MaxRequests,
            QueueLimit = config.MaxPendingRequests,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        if (config.MaxRetries is { } maxRetries)
        {
            _retries = new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = maxRetries, QueueLimit = 0 });
        }
    }

    public CircuitBreakersConfig Config { get; }

    /// <summary>Request slots free now (Envoy's <c>remaining_rq</c>).</summary>
    public long RemainingRequests => _requests.GetStatistics()?.CurrentAvailablePermits ?? 0;

    /// <summary>Places free in the pending queue now (Envoy's <c>remaining_pending</c>).</summary>
    public long RemainingPending => Math.Max(0, Config.MaxPendingRequests - (_requests.GetStatistics()?.CurrentQueuedCount ?? 0));

    /// <summary>Retry slots free now (Envoy's <c>remaining_retries</c>); null when only the retry budget limits retries.</summary>
    public long? RemainingRetries => _retries is null ? null : _retries.GetStatistics()?.CurrentAvailablePermits ?? 0;

    /// <summary>The breaker of a cluster rebuilt by a reload: its predecessor's when the settings are equal, else a new one.</summary>
    public static CircuitBreaker For(CircuitBreakersConfig config, CircuitBreaker? previous) =>
        previous is not null && previous.Config.Equals(config) ? previous : new CircuitBreaker(config);

    /// <summary>A request slot now, without waiting; a lease that is not acquired when all are taken or callers wait.</summary>
    public RateLimitLease TryAcquireRequest() => _requests.AttemptAcquire(1);

    /// <summary>
    /// A request slot, waiting in the pending queue when none is free; a lease that is not acquired at once when the
    /// queue is full. Throws <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> ends the wait.
    /// </summary>
    public ValueTask<RateLimitLease> AcquireRequestAsync(CancellationToken cancellationToken) => _requests.AcquireAsync(1, cancellationToken);

    /// <summary>The limit a refused request hit: pending when there is a queue to overflow, else requests.</summary>
    public BreakerLimit RequestOverflow => Config.MaxPendingRequests == 0 ? BreakerLimit.Requests : BreakerLimit.Pending;

    /// <summary>
    /// A retry slot, or null with true when <c>maxRetries</c> is not set; false when all are taken. Dispose the slot
    /// when the retry's try ends.
    /// </summary>
    public bool TryAcquireRetry(out IDisposable? slot)
    {
        slot = null;
        if (_retries is null)
        {
            return true;
        }

        var lease = _retries.AttemptAcquire(1);
        if (!lease.IsAcquired)
        {
            lease.Dispose();
            return false;
        }

        slot = lease;
        return true;
    }

    /// <summary>
    /// Counts a refusal; true (with the refusals since the last warning) when a warning is due, at most once every few
    /// seconds per cluster, so an overload does not flood the log.
    /// </summary>
    public bool TakeWarning(TimeProvider time, out int refused)
    {
        Interlocked.Increment(ref _refusedSinceWarning);
        var now = time.GetTimestamp();
        var last = Volatile.Read(ref _lastWarning);
        if (last != long.MinValue && time.GetElapsedTime(last, now) < WarningInterval)
        {
            refused = 0;
            return false;
        }

        if (Interlocked.CompareExchange(ref _lastWarning, now, last) != last)
        {
            refused = 0;
            return false;
        }

        refused = Interlocked.Exchange(ref _refusedSinceWarning, 0);
        return true;
    }
}
