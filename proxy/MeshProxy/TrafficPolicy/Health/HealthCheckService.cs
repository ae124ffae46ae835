using MeshProxy.Configuration.Reload;
using MeshProxy.Observability;
using MeshProxy.Routing;
using MeshProxy.Security;
using Microsoft.Extensions.Logging;

namespace MeshProxy.TrafficPolicy.Health;

/// <summary>
/// Runs the active health checks of the live clusters: one <see cref="ClusterHealthChecker"/> per cluster with a
/// <c>healthCheck</c>, following applied configs (<see cref="LiveClusterWorkers{TWorker}"/>); a rebuilt cluster kept its
/// unchanged destinations (and their health), so only the probing restarts. It also hands every live cluster the logger
/// and the <see cref="IEjectionListener"/> (when one is registered, e.g. metrics) its ejections go to.
/// </summary>
internal sealed class HealthCheckService(
    ProxySnapshotProvider snapshots,
    ConfigReloader reloader,
    TimeProvider time,
    ILoggerFactory loggers,
    IEjectionListener? ejections = null,
    WorkloadIdentity? identity = null) : LiveClusterWorkers<ClusterHealthChecker>(reloader)
{
    private readonly ILogger _logger = loggers.CreateLogger<HealthCheckService>();
    private readonly ILogger _availabilityLogger = loggers.CreateLogger<ClusterAvailability>();

    /// <summary>The checker of a live cluster, or null when it has no health check (tests wait on its rounds).</summary>
    public ClusterHealthChecker? Checker(string cluster) => WorkerOf(cluster);

    /// <summary>Brings the checkers in line with the live clusters.</summary>
    internal override void Sync()
    {
        var live = snapshots.Clusters;
        lock (SyncLock)
        {
            if (Stopping)
            {
                return;
            }

            StopStale(live);
            foreach (var cluster in live.Values)
            {
                cluster.Availability.Logger = _availabilityLogger;
                cluster.Availability.Listener = ejections;
                if (cluster.Config.HealthCheck is { } check && !Workers.ContainsKey(cluster))
                {
                    Workers[cluster] = new ClusterHealthChecker(cluster, check, time, _availabilityLogger, identity);
                }
            }
        }
    }

    protected override void OnSyncFailed(Exception exception) => TrafficPolicyHealthLog.HealthCheckSyncFailed(_logger, exception);
}
