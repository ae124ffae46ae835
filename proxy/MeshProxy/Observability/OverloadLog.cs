using Microsoft.Extensions.Logging;

namespace MeshProxy.Observability;

/// <summary>Circuit breakers and local rate limits (TrafficPolicy/Overload); event ids 2900-2999.</summary>
internal static partial class OverloadLog
{
    [LoggerMessage(EventId = 2900, EventName = "CircuitBreakerOverflow", Level = LogLevel.Debug, Message = "Cluster {Cluster}: circuit breaker '{Breaker}' is full; refusing a call of route {Route}.")]
    public static partial void BreakerOverflow(ILogger logger, string cluster, string breaker, string route);

    [LoggerMessage(EventId = 2901, EventName = "CircuitBreakerOpen", Level = LogLevel.Warning, Message = "Cluster {Cluster} is refusing calls: circuit breaker '{Breaker}' is full ({Refused} refused since the last warning).")]
    public static partial void BreakerOpen(ILogger logger, string cluster, string breaker, int refused);

    [LoggerMessage(EventId = 2902, EventName = "RateLimited", Level = LogLevel.Debug, Message = "Route {Route}: local rate limit exceeded; refusing a call.")]
    public static partial void RateLimited(ILogger logger, string route);

    [LoggerMessage(EventId = 2903, EventName = "PendingDeadlineExceeded", Level = LogLevel.Debug, Message = "Route {Route}: the deadline of {Deadline} passed while the call waited for a request slot of cluster {Cluster}.")]
    public static partial void PendingDeadlineExceeded(ILogger logger, string route, string cluster, TimeSpan deadline);

    [LoggerMessage(EventId = 2904, EventName = "HeapRefusing", Level = LogLevel.Warning, Message = "The GC heap is at {Heap} MiB of its {Limit} MiB limit, above protection.maxHeapPercent ({Percent}%): refusing new calls with UNAVAILABLE until it falls.")]
    public static partial void HeapRefusing(ILogger logger, long heap, long limit, int percent);

    [LoggerMessage(EventId = 2905, EventName = "HeapAccepting", Level = LogLevel.Information, Message = "The GC heap is down to {Heap} MiB of its {Limit} MiB limit: taking new calls again ({Refused} refused meanwhile).")]
    public static partial void HeapAccepting(ILogger logger, long heap, long limit, int refused);
}
