using Microsoft.Extensions.Logging;

namespace MeshProxy.Observability;

/// <summary>Access log and trace export events, ids 1500-1599.</summary>
internal static partial class ObservabilityLog
{
    [LoggerMessage(EventId = 1600, EventName = "AccessLogOpenFailed", Level = LogLevel.Error, Message = "Cannot open the access log {Path}; its lines are dropped until the path changes.")]
    public static partial void AccessLogOpenFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = 1601, EventName = "AccessLogWriteFailed", Level = LogLevel.Error, Message = "Writing the access log {Path} failed; the line is dropped.")]
    public static partial void AccessLogWriteFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = 1602, EventName = "TraceExportStarted", Level = LogLevel.Information, Message = "Exporting traces to {Endpoint} over OTLP {Protocol}, sampling {SampleRate} of new traces.")]
    public static partial void TraceExportStarted(ILogger logger, string endpoint, string protocol, double sampleRate);
}
