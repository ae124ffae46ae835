using Microsoft.Extensions.Logging;

namespace MeshProxy.Observability;

/// <summary>Outlier ejection, active health checks and panic mode, ids 1300-1399.</summary>
internal static partial class TrafficPolicyHealthLog
{
    [LoggerMessage(EventId = 1300, EventName = "DestinationEjected", Level = LogLevel.Warning,
        Message = "Cluster {Cluster}: ejected destination {Destination} for {Duration} after {Count} consecutive {Reason} (ejection {TimesEjected}).")]
    public static partial void DestinationEjected(ILogger logger, string cluster, string destination, TimeSpan duration, int count, string reason, int timesEjected);

    [LoggerMessage(EventId = 1301, EventName = "EjectionRefused", Level = LogLevel.Information,
        Message = "Cluster {Cluster}: destination {Destination} reached {Count} consecutive {Reason} but stays: ejecting it would exceed maxEjectionPercent {MaxPercent} ({Ejected} of {Total} already ejected).")]
    public static partial void EjectionRefused(ILogger logger, string cluster, string destination, int count, string reason, int maxPercent, int ejected, int total);

    [LoggerMessage(EventId = 1302, EventName = "DestinationReturned", Level = LogLevel.Information,
        Message = "Cluster {Cluster}: destination {Destination} is back from ejection.")]
    public static partial void DestinationReturned(ILogger logger, string cluster, string destination);

    [LoggerMessage(EventId = 1303, EventName = "PanicEntered", Level = LogLevel.Warning,
        Message = "Cluster {Cluster}: only {Available} of {Total} destinations are available, below the panic threshold of {Threshold}%; picking among all of them.")]
    public static partial void PanicEntered(ILogger logger, string cluster, int available, int total, int threshold);

    [LoggerMessage(EventId = 1304, EventName = "PanicLeft", Level = LogLevel.Information,
        Message = "Cluster {Cluster}: {Available} of {Total} destinations available again; panic mode ended.")]
    public static partial void PanicLeft(ILogger logger, string cluster, int available, int total);

    [LoggerMessage(EventId = 1305, EventName = "DestinationUnhealthy", Level = LogLevel.Warning,
        Message = "Cluster {Cluster}: destination {Destination} is unhealthy after {Count} failed health checks (last: {Reason}).")]
    public static partial void DestinationUnhealthy(ILogger logger, string cluster, string destination, int count, string reason);

    [LoggerMessage(EventId = 1306, EventName = "DestinationHealthy", Level = LogLevel.Information,
        Message = "Cluster {Cluster}: destination {Destination} is healthy after {Count} passed health checks.")]
    public static partial void DestinationHealthy(ILogger logger, string cluster, string destination, int count);

    [LoggerMessage(EventId = 1307, EventName = "HealthCheckFailed", Level = LogLevel.Debug,
        Message = "Cluster {Cluster}: health check of destination {Destination} failed: {Reason}.")]
    public static partial void HealthCheckFailed(ILogger logger, string cluster, string destination, string reason);

    [LoggerMessage(EventId = 1308, EventName = "HealthCheckerStarted", Level = LogLevel.Debug,
        Message = "Cluster {Cluster}: active health checks started ({Protocol}, every {Interval}).")]
    public static partial void HealthCheckerStarted(ILogger logger, string cluster, string protocol, TimeSpan interval);

    [LoggerMessage(EventId = 1309, EventName = "HealthCheckerStopped", Level = LogLevel.Debug,
        Message = "Cluster {Cluster}: active health checks stopped.")]
    public static partial void HealthCheckerStopped(ILogger logger, string cluster);

    [LoggerMessage(EventId = 1310, EventName = "HealthCheckSyncFailed", Level = LogLevel.Error,
        Message = "Following the live clusters for health checks failed; retrying on the next config change.")]
    public static partial void HealthCheckSyncFailed(ILogger logger, Exception exception);
}
