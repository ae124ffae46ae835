using MeshProxy.TrafficPolicy.Overload;
using Microsoft.Extensions.Logging;

namespace MeshProxy.TrafficPolicy;

/// <summary>What every <see cref="ProxyCall"/> shares: the clock, randomness, the logger and the registered observers.</summary>
internal sealed class CallServices(TimeProvider time, Random random, ILogger<ProxyCall> logger, ICallObserver? observer = null, IOverloadListener? overload = null)
{
    /// <summary>Deadlines, per-try timers, backoff and hedging delays, attempt timings.</summary>
    public TimeProvider Time { get; } = time;

    /// <summary>Backoff jitter; safe for concurrent use.</summary>
    public Random Random { get; } = random;

    public ILogger Logger { get; } = logger;

    public ICallObserver? Observer { get; } = observer;

    /// <summary>Hears circuit-breaker, rate-limit and heap refusals (metrics).</summary>
    public IOverloadListener? Overload { get; } = overload;
}
