using Microsoft.Extensions.Logging;

namespace MeshProxy.Observability;

/// <summary>Graceful drain, ids 1450-1469 (within the hosting range 1400-1499).</summary>
internal static partial class DrainLog
{
    [LoggerMessage(EventId = 1450, EventName = "DrainStarted", Level = LogLevel.Information,
        Message = "Drain started by {Trigger}: readiness fails now, inbound is served for {PropagationDelay}, then in-flight calls get {Deadline}.")]
    public static partial void DrainStarted(ILogger logger, string trigger, string propagationDelay, string deadline);

    [LoggerMessage(EventId = 1451, EventName = "DrainListenersClosing", Level = LogLevel.Information,
        Message = "Drain: closing the gRPC and REST listeners (HTTP/2 GOAWAY, new connections refused); waiting for in-flight calls.")]
    public static partial void ListenersClosing(ILogger logger);

    [LoggerMessage(EventId = 1452, EventName = "DrainCompleted", Level = LogLevel.Information,
        Message = "Drain completed in {ElapsedMs} ms: every in-flight call finished.")]
    public static partial void Completed(ILogger logger, long elapsedMs);

    [LoggerMessage(EventId = 1453, EventName = "DrainDeadlineReached", Level = LogLevel.Warning,
        Message = "Drain deadline reached after {ElapsedMs} ms: the calls still in flight were cancelled.")]
    public static partial void DeadlineReached(ILogger logger, long elapsedMs);

    [LoggerMessage(EventId = 1454, EventName = "DrainFailed", Level = LogLevel.Error,
        Message = "Drain failed while stopping the listeners.")]
    public static partial void Failed(ILogger logger, Exception exception);
}
