using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace MeshProxy.Observability;

/// <summary>Routing and forwarding events, ids 1000-1099.</summary>
internal static partial class RoutingLog
{
    [LoggerMessage(EventId = 1000, EventName = "NoRoute", Level = LogLevel.Debug, Message = "No route for {Path}.")]
    public static partial void NoRoute(ILogger logger, string path);

    [LoggerMessage(EventId = 1001, EventName = "NotGrpc", Level = LogLevel.Debug, Message = "Rejected a non-gRPC request {Method} {Path} with content-type '{ContentType}'.")]
    public static partial void NotGrpc(ILogger logger, string method, string path, string? contentType);

    [LoggerMessage(EventId = 1002, EventName = "UpstreamUnavailable", Level = LogLevel.Warning, Message = "Route {Route}: cluster {Cluster} destination {Destination} failed ({Error}).")]
    public static partial void UpstreamUnavailable(ILogger logger, string route, string cluster, string destination, ForwarderError error, Exception? exception);

    [LoggerMessage(EventId = 1003, EventName = "DeadlineExceeded", Level = LogLevel.Debug, Message = "Route {Route}: deadline of {Timeout} exceeded for {Path}.")]
    public static partial void DeadlineExceeded(ILogger logger, string route, TimeSpan timeout, string path);

    [LoggerMessage(EventId = 1008, EventName = "CallerWentQuiet", Level = LogLevel.Debug, Message = "Route {Route}: {Path} cut by the stream idle timeout ({IdleTimeout}) while waiting for the caller's next request bytes.")]
    public static partial void CallerWentQuiet(ILogger logger, string route, string path, TimeSpan idleTimeout);

    [LoggerMessage(EventId = 1004, EventName = "CallCanceled", Level = LogLevel.Debug, Message = "Route {Route}: the caller canceled {Path} ({Error}).")]
    public static partial void CallCanceled(ILogger logger, string route, string path, ForwarderError error);

    [LoggerMessage(EventId = 1005, EventName = "StreamFailed", Level = LogLevel.Debug, Message = "Route {Route}: stream {Path} ended by {Error} after the response started.")]
    public static partial void StreamFailed(ILogger logger, string route, string path, ForwarderError error, Exception? exception);

    [LoggerMessage(EventId = 1006, EventName = "NoDestination", Level = LogLevel.Warning, Message = "Route {Route}: cluster {Cluster} has no destination.")]
    public static partial void NoDestination(ILogger logger, string route, string cluster);

    [LoggerMessage(EventId = 1007, EventName = "InvalidTimeout", Level = LogLevel.Debug, Message = "Ignored a malformed grpc-timeout '{Value}'.")]
    public static partial void InvalidTimeout(ILogger logger, string value);
}
