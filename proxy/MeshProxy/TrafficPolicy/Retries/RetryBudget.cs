using MeshProxy.Configuration;

namespace MeshProxy.TrafficPolicy.Retries;

/// <summary>
/// A cluster's retry budget, two limits in one: a cap on retries in flight (Envoy's: at most max(minConcurrency,
/// percent% of the cluster's active calls); a retry holds a slot from the moment it is scheduled until its attempt is
/// over) and a ratio budget over a sliding window (Linkerd's: ratio retries per call started, plus a minimum rate).
/// A retry goes when the cap has a slot free or, failing that, when the ratio budget has credit.
/// </summary>
/// <remarks>
/// <para>
/// The cap alone refuses a burst: when a third of the active calls fail at once (a backend killed under load), a
/// fifth of them may retry. The ratio budget lets the calls before the burst pay for it: every call started deposits
/// <c>ratio</c>, every retry that goes (by either limit) withdraws one, over the last <c>window</c>. A backend that
/// keeps failing spends the credit within the window, and retries fall back to the cap, so a failing upstream still
/// sees at most ratio x calls + the cap extra calls. The window is ten buckets on the injected clock; a bucket older
/// than the window is zeroed when its slot is reused.
/// </para>
/// <para>
/// A retry of an attempt that provably never reached a server (<see cref="TakesSlot"/>) adds no load, so it spends
/// neither limit, as gRPC's transparent retries do not count against retry throttling (gRFC A6, "Transparent
/// Retries"); the route's maxAttempts still bounds it.
/// </para>
/// </remarks>
internal sealed class RetryBudget
{
    private const int Buckets = 10;

    private readonly RetryBudgetConfig _config;
    private readonly TimeProvider _time;
    private readonly long _bucketTicks;
    private readonly Lock _lock = new();
    private readonly long[] _epochs = new long[Buckets];
    private readonly int[] _calls = new int[Buckets];
    private readonly int[] _retries = new int[Buckets];
    private int _inFlight;

    public RetryBudget(RetryBudgetConfig config, TimeProvider? time = null)
    {
        _config = config;
        _time = time ?? TimeProvider.System;
        _bucketTicks = Math.Max(1, (long)(config.Window.TotalSeconds * _time.TimestampFrequency / Buckets));
        Array.Fill(_epochs, long.MinValue);
    }

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
    public int Limit(int activeCalls) => Math.Max(_config.MinConcurrency, (int)((long)activeCalls * _config.Percent / 100));

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

    /// <summary>A call started in the cluster: it deposits <c>ratio</c> retries into the window.</summary>
    public void Deposit()
    {
        lock (_lock)
        {
            _calls[Bucket()]++;
        }
    }

    /// <summary>
    /// Takes a slot (pair a true result with <see cref="Release"/>, <paramref name="slot"/> true) or else one retry of
    /// ratio credit (nothing to give back); false when both are spent. Either way the retry counts in the window.
    /// </summary>
    public bool TryTake(int activeCalls, out bool slot)
    {
        // The slot is taken under the lock that counts the retry: taken before it, a retry holding a slot could be
        // counted after others had spent the credit it was meant to use, and a burst would get one retry too many.
        lock (_lock)
        {
            slot = TryAcquire(activeCalls);
            var bucket = Bucket();
            if (!slot && Credit() < 1)
            {
                return false;
            }

            _retries[bucket]++;
            return true;
        }
    }

    /// <summary>Retries the ratio budget would allow now beyond those already made (diagnostics and tests).</summary>
    public double RatioCredit
    {
        get
        {
            lock (_lock)
            {
                Bucket();
                return Credit();
            }
        }
    }

    private double Credit()
    {
        long calls = 0, retries = 0;
        for (var i = 0; i < Buckets; i++)
        {
            calls += _calls[i];
            retries += _retries[i];
        }

        return (calls * _config.Ratio) + (_config.MinRetriesPerSecond * _config.Window.TotalSeconds) - retries;
    }

    /// <summary>The slot of the current bucket, zeroing the slots whose bucket has left the window. Under the lock.</summary>
    private int Bucket()
    {
        var epoch = _time.GetTimestamp() / _bucketTicks;
        var slot = (int)(((epoch % Buckets) + Buckets) % Buckets);
        if (_epochs[slot] != epoch)
        {
            for (var i = 0; i < Buckets; i++)
            {
                if (_epochs[i] <= epoch - Buckets || i == slot)
                {
                    _epochs[i] = i == slot ? epoch : long.MinValue;
                    _calls[i] = 0;
                    _retries[i] = 0;
                }
            }
        }

        return slot;
    }
}
