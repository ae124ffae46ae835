using Microsoft.Extensions.Logging;

namespace MeshProxy.Observability;

/// <summary>Hosting and process lifecycle events, ids 1400-1499.</summary>
internal static partial class HostingLog
{
    [LoggerMessage(EventId = 1400, EventName = "ListenerBound", Level = LogLevel.Information, Message = "Listener {Listener} bound to {EndPoint}.")]
    public static partial void ListenerBound(ILogger logger, string listener, string endPoint);

    [LoggerMessage(EventId = 1401, EventName = "ProxyReady", Level = LogLevel.Information, Message = "MeshProxy ready: config version {Version}, {Routes} routes, {Clusters} clusters.")]
    public static partial void ProxyReady(ILogger logger, string version, int routes, int clusters);

    [LoggerMessage(EventId = 1402, EventName = "ProxyStopping", Level = LogLevel.Information, Message = "MeshProxy stopping.")]
    public static partial void ProxyStopping(ILogger logger);

    [LoggerMessage(EventId = 1403, EventName = "HeapTrimmed", Level = LogLevel.Debug, Message = "Idle: the GC heap was trimmed from {Before} MiB to {After} MiB committed, and {Unmapped} MiB of the executable's pages were unmapped.")]
    public static partial void HeapTrimmed(ILogger logger, long before, long after, long unmapped);
}
