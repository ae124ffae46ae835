using MeshProxy.TrafficPolicy.CircuitBreaking;

namespace MeshProxy.TrafficPolicy.Overload;

/// <summary>
/// Hears each call or retry that a circuit breaker, a rate limit or the heap guard refused (metrics count them). Called on the request
/// path, so it only counts; the remaining capacity is read from the live clusters instead.
/// </summary>
internal interface IOverloadListener
{
    void BreakerOverflowed(string cluster, BreakerLimit limit);

    void RateLimited(string route);

    void HeapRefused(string route);
}
