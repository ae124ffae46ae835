using Microsoft.Extensions.Logging;

namespace MeshProxy.Observability;

/// <summary>Traffic-policy events (retries and hedging), ids 1200-1299.</summary>
internal static partial class TrafficPolicyLog
{
    [LoggerMessage(EventId = 1200, EventName = "RetryScheduled", Level = LogLevel.Debug, Message = "Route {Route}: attempt {Attempt} at {Cluster}/{Destination} failed ({Reason}); retrying in {Delay}.")]
    public static partial void RetryScheduled(ILogger logger, string route, int attempt, string cluster, string destination, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 1201, EventName = "RetryBudgetExhausted", Level = LogLevel.Information, Message = "Route {Route}: retry budget of cluster {Cluster} exhausted ({InFlight} retries in flight); forwarding the failure ({Reason}).")]
    public static partial void RetryBudgetExhausted(ILogger logger, string route, string cluster, int inFlight, string reason);

    [LoggerMessage(EventId = 1202, EventName = "RetryPushbackStop", Level = LogLevel.Debug, Message = "Route {Route}: {Destination} sent grpc-retry-pushback-ms '{Value}', which stops retries.")]
    public static partial void RetryPushbackStop(ILogger logger, string route, string destination, string value);

    [LoggerMessage(EventId = 1203, EventName = "RetryBodyNotReplayable", Level = LogLevel.Debug, Message = "Route {Route}: the request body cannot be replayed ({State}); forwarding the failure.")]
    public static partial void RetryBodyNotReplayable(ILogger logger, string route, string state);

    [LoggerMessage(EventId = 1204, EventName = "RetryDeadlineTooShort", Level = LogLevel.Debug, Message = "Route {Route}: {Remaining} left of the deadline, less than the {Delay} before the next attempt; ending with DEADLINE_EXCEEDED.")]
    public static partial void RetryDeadlineTooShort(ILogger logger, string route, TimeSpan remaining, TimeSpan delay);

    [LoggerMessage(EventId = 1205, EventName = "HedgeSent", Level = LogLevel.Debug, Message = "Route {Route}: no reply yet; hedging attempt {Attempt} at {Cluster}/{Destination}.")]
    public static partial void HedgeSent(ILogger logger, string route, int attempt, string cluster, string destination);

    [LoggerMessage(EventId = 1206, EventName = "HedgeBudgetExhausted", Level = LogLevel.Debug, Message = "Route {Route}: retry budget of cluster {Cluster} exhausted; no more hedges for this call.")]
    public static partial void HedgeBudgetExhausted(ILogger logger, string route, string cluster);
}
