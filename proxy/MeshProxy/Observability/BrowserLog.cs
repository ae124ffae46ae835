using MeshProxy.Grpc;
using Microsoft.Extensions.Logging;

namespace MeshProxy.Observability;

/// <summary>gRPC-Web, Connect and CORS on the REST listener, ids 2300-2399.</summary>
internal static partial class BrowserLog
{
    [LoggerMessage(EventId = 2300, EventName = "ConnectRefused", Level = LogLevel.Information,
        Message = "Connect call {Path} refused with {Code}: {Reason}")]
    public static partial void ConnectRefused(ILogger logger, string path, StatusCode code, string reason);

    [LoggerMessage(EventId = 2301, EventName = "CorsPreflightRefused", Level = LogLevel.Information,
        Message = "CORS preflight for {Path} from origin {Origin} refused: the origin is not in browser.cors.allowedOrigins.")]
    public static partial void PreflightRefused(ILogger logger, string path, string origin);

    [LoggerMessage(EventId = 2302, EventName = "GrpcWebRefused", Level = LogLevel.Information,
        Message = "gRPC-Web call {Path} refused with {Code}: {Reason}")]
    public static partial void GrpcWebRefused(ILogger logger, string path, StatusCode code, string reason);
}
