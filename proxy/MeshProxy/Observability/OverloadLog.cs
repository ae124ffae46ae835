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
}
