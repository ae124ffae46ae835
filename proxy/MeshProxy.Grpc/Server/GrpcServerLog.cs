using Microsoft.Extensions.Logging;

namespace MeshProxy.Grpc.Server;

/// <summary>Log catalogue of the gRPC server (EventIds 2000-2049).</summary>
internal static partial class GrpcServerLog
{
    [LoggerMessage(EventId = 2000, EventName = "UnsupportedContentType", Level = LogLevel.Debug,
        Message = "Request to {Method} has content-type '{ContentType}', not application/grpc; replying 415.")]
    public static partial void UnsupportedContentType(ILogger logger, string method, string? contentType);

    [LoggerMessage(EventId = 2001, EventName = "UnsupportedRequestEncoding", Level = LogLevel.Debug,
        Message = "Request to {Method} uses grpc-encoding '{Encoding}', which is not supported; replying UNIMPLEMENTED.")]
    public static partial void UnsupportedRequestEncoding(ILogger logger, string method, string encoding);

    [LoggerMessage(EventId = 2002, EventName = "InvalidTimeout", Level = LogLevel.Debug,
        Message = "Request to {Method} has an invalid grpc-timeout '{Timeout}'; it is ignored.")]
    public static partial void InvalidTimeout(ILogger logger, string method, string timeout);

    [LoggerMessage(EventId = 2003, EventName = "DeadlineExceeded", Level = LogLevel.Debug,
        Message = "Call to {Method} exceeded its deadline of {Deadline:O}.")]
    public static partial void DeadlineExceeded(ILogger logger, string method, DateTime deadline);

    [LoggerMessage(EventId = 2004, EventName = "HandlerError", Level = LogLevel.Error,
        Message = "Handler of {Method} threw an unexpected exception; replying UNKNOWN.")]
    public static partial void HandlerError(ILogger logger, string method, Exception exception);

    [LoggerMessage(EventId = 2005, EventName = "RpcErrorStatus", Level = LogLevel.Debug,
        Message = "Call to {Method} ended with {StatusCode}: {Detail}")]
    public static partial void RpcErrorStatus(ILogger logger, string method, StatusCode statusCode, string detail);

    [LoggerMessage(EventId = 2006, EventName = "UnimplementedMethod", Level = LogLevel.Debug,
        Message = "No gRPC method is mapped at {Path}; replying UNIMPLEMENTED.")]
    public static partial void UnimplementedMethod(ILogger logger, string path);

    [LoggerMessage(EventId = 2007, EventName = "CallCancelled", Level = LogLevel.Debug,
        Message = "Call to {Method} was cancelled by the client.")]
    public static partial void CallCancelled(ILogger logger, string method);

    [LoggerMessage(EventId = 2008, EventName = "CompleteFailed", Level = LogLevel.Debug,
        Message = "Could not send the status of {Method}; the client is gone.")]
    public static partial void CompleteFailed(ILogger logger, string method, Exception exception);

    [LoggerMessage(EventId = 2009, EventName = "ErrorAfterCompletion", Level = LogLevel.Debug,
        Message = "Handler of {Method} failed after its status was sent (deadline or cancellation).")]
    public static partial void ErrorAfterCompletion(ILogger logger, string method, Exception exception);

    [LoggerMessage(EventId = 2010, EventName = "NotHttp2", Level = LogLevel.Debug,
        Message = "Request to {Method} uses {Protocol}; gRPC needs HTTP/2.")]
    public static partial void NotHttp2(ILogger logger, string method, string protocol);
}
