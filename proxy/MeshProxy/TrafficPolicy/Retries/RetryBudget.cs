using MeshProxy.Configuration;

namespace MeshProxy.TrafficPolicy.Retries;

/// <summary>
/// A cluster's cap on retries in flight (Envoy's retry budget): at most max(minConcurrency, percent% of the
/// cluster's active calls). A retry holds a slot from the moment it is scheduled until its attempt is over, so a
/// failing upstream sees at most that many extra calls however many callers fail at once.
/// </summary>
/// <remarks>
/// The budget caps the extra work retries put on servers. A retry of an attempt that provably never reached one
/// (<see cref="TakesSlot"/>) adds none, so it takes no slot, as gRPC's transparent retries do not count against
/// retry throttling (gRFC A6, "Transparent Retries"); the route's maxAttempts still bounds it.
/// </remarks>
internal sealed class RetryBudget(RetryBudgetConfig config)
{
    private int _inFlight;

    /// <summary>
    /// Whether a retry of an attempt that failed with <paramref name="failure"/> (null: a grpc-status or a per-try
    /// timeout) needs a slot. Not after a connect failure (no connection, so no request was sent) or a refused stream
    /// (RFC 9113 §8.7: REFUSED_STREAM means no processing happened): no server saw the call, and the retry is the
    /// first time one does. A reset may come after the server started work, so it takes a slot.
    /// </summary>
    public static bool TakesSlot(RetryOn? failure) => failure is not (RetryOn.ConnectFailure or RetryOn.RefusedStream);

    /// <summary>Retries holding a slot now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>The most retries allowed in flight with <paramref name="activeCalls"/> calls active in the cluster.</summary>
    public int Limit(int activeCalls) => Math.Max(config.MinConcurrency, (int)((long)activeCalls * config.Percent / 100));

    /// <summary>Takes a slot when one is free; pair a true result with <see cref="Release"/>.</summary>
    public bool TryAcquire(int activeCalls)
    {
        var limit = Limit(activeCalls);
        while (true)
        {
            var current = Volatile.Read(ref _inFlight);
            if (current >= limit)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _inFlight, current + 1, current) == current)
            {
                return true;
            }
        }
    }

    public void Release() => Interlocked.Decrement(ref _inFlight);
}
