using Microsoft.Extensions.Logging;

namespace MeshProxy.Observability;

/// <summary>Service discovery (DNS and Kubernetes EndpointSlices), ids 1700-1799.</summary>
internal static partial class DiscoveryLog
{
    [LoggerMessage(EventId = 1700, EventName = "DnsWatchStarted", Level = LogLevel.Debug,
        Message = "Cluster {Cluster}: following DNS name {Address} through {Resolver}.")]
    public static partial void DnsWatchStarted(ILogger logger, string cluster, string address, string resolver);

    [LoggerMessage(EventId = 1701, EventName = "DnsDestinationsChanged", Level = LogLevel.Information,
        Message = "Cluster {Cluster}: {Address} now resolves to {Count} destinations ({Added} added, {Removed} removed): {Destinations}.")]
    public static partial void DnsDestinationsChanged(ILogger logger, string cluster, string address, int count, int added, int removed, string destinations);

    [LoggerMessage(EventId = 1702, EventName = "DnsLookupFailed", Level = LogLevel.Warning,
        Message = "Cluster {Cluster}: DNS lookup of {Address} failed ({Reason}); keeping the last {Count} destinations, next try in {Retry}.")]
    public static partial void DnsLookupFailed(ILogger logger, string cluster, string address, string reason, int count, TimeSpan retry);

    [LoggerMessage(EventId = 1703, EventName = "DnsLookupRecovered", Level = LogLevel.Information,
        Message = "Cluster {Cluster}: DNS lookup of {Address} answers again after {Failures} failed lookups.")]
    public static partial void DnsLookupRecovered(ILogger logger, string cluster, string address, int failures);

    [LoggerMessage(EventId = 1704, EventName = "DnsEarlyRefresh", Level = LogLevel.Debug,
        Message = "Cluster {Cluster}: a destination failed to connect; resolving {Address} again.")]
    public static partial void DnsEarlyRefresh(ILogger logger, string cluster, string address);

    [LoggerMessage(EventId = 1705, EventName = "DiscoverySyncFailed", Level = LogLevel.Error,
        Message = "Service discovery could not follow the live clusters.")]
    public static partial void DiscoverySyncFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1710, EventName = "EndpointSliceWatchStarted", Level = LogLevel.Debug,
        Message = "Cluster {Cluster}: watching the EndpointSlices of Service {Namespace}/{Service}.")]
    public static partial void EndpointSliceWatchStarted(ILogger logger, string cluster, string @namespace, string service);

    [LoggerMessage(EventId = 1711, EventName = "EndpointSliceDestinationsChanged", Level = LogLevel.Information,
        Message = "Cluster {Cluster}: Service {Namespace}/{Service} has {Count} ready endpoints ({Terminating} terminating): {Destinations}.")]
    public static partial void EndpointSliceDestinationsChanged(ILogger logger, string cluster, string @namespace, string service, int count, int terminating, string destinations);

    [LoggerMessage(EventId = 1712, EventName = "EndpointSliceWatchFailed", Level = LogLevel.Warning,
        Message = "Cluster {Cluster}: watching the EndpointSlices of {Namespace}/{Service} failed ({Reason}); keeping the last {Count} destinations, next try in {Retry}.")]
    public static partial void EndpointSliceWatchFailed(ILogger logger, string cluster, string @namespace, string service, string reason, int count, TimeSpan retry);

    [LoggerMessage(EventId = 1713, EventName = "EndpointSliceRelist", Level = LogLevel.Information,
        Message = "Cluster {Cluster}: resourceVersion {ResourceVersion} is gone (410); listing the EndpointSlices again.")]
    public static partial void EndpointSliceRelist(ILogger logger, string cluster, string resourceVersion);

    [LoggerMessage(EventId = 1714, EventName = "KubernetesUnavailable", Level = LogLevel.Error,
        Message = "Kubernetes discovery cannot reach an API server: {Reason}; kubernetes clusters stay empty until a config is applied.")]
    public static partial void KubernetesUnavailable(ILogger logger, string reason, Exception exception);

    [LoggerMessage(EventId = 1715, EventName = "KubernetesConnected", Level = LogLevel.Information,
        Message = "Kubernetes discovery uses the API server {Server} ({Source}, namespace {Namespace}).")]
    public static partial void KubernetesConnected(ILogger logger, Uri server, string source, string @namespace);
}
