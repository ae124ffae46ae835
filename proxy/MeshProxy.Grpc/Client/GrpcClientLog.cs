using Microsoft.Extensions.Logging;

namespace MeshProxy.Grpc.Client;

/// <summary>Log catalogue of the gRPC client (EventIds 2050-2099).</summary>
internal static partial class GrpcClientLog
{
    [LoggerMessage(EventId = 2050, EventName = "CallStarting", Level = LogLevel.Debug, Message = "Starting gRPC call {Method} to {Address}.")]
    public static partial void CallStarting(ILogger logger, string method, Uri address);

    [LoggerMessage(EventId = 2051, EventName = "CallFinished", Level = LogLevel.Debug, Message = "gRPC call {Method} finished with {StatusCode}: {Detail}")]
    public static partial void CallFinished(ILogger logger, string method, StatusCode statusCode, string detail);

    [LoggerMessage(EventId = 2052, EventName = "CallFailedTransport", Level = LogLevel.Debug, Message = "gRPC call {Method} failed in transport.")]
    public static partial void CallFailedTransport(ILogger logger, string method, Exception exception);

    [LoggerMessage(EventId = 2053, EventName = "DeadlineExceeded", Level = LogLevel.Debug, Message = "gRPC call {Method} exceeded its deadline.")]
    public static partial void DeadlineExceeded(ILogger logger, string method);
}
