using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace MeshProxy.SampleBackends.Hosting;

/// <summary>Log catalogue of the sample backends (EventIds 9000-9049).</summary>
internal static partial class SampleBackendLog
{
    [LoggerMessage(EventId = 9000, EventName = "Listening", Level = LogLevel.Information,
        Message = "Sample backend {Version} listening on {Address}.")]
    public static partial void Listening(ILogger logger, string version, Uri address);

    [LoggerMessage(EventId = 9001, EventName = "FaultInjected", Level = LogLevel.Debug,
        Message = "Injecting {StatusCode} into {Method} (after {AfterMessages} messages, latency {Latency}).")]
    public static partial void FaultInjected(ILogger logger, string method, StatusCode? statusCode, int afterMessages, TimeSpan latency);
}
