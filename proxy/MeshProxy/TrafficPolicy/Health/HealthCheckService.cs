using MeshProxy.Configuration.Reload;
using MeshProxy.Observability;
using MeshProxy.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MeshProxy.TrafficPolicy.Health;

/// <summary>
/// Runs the active health checks of the live clusters: one <see cref="ClusterHealthChecker"/> per cluster with a
/// <c>healthCheck</c>. After every applied config it starts checkers for new or rebuilt clusters and stops those of
/// clusters that left or were rebuilt; a rebuilt cluster kept its unchanged destinations (and their health), so only
/// the probing restarts. It also hands every live cluster the logger and the <see cref="IEjectionListener"/> (when one
/// is registered, e.g. metrics) its ejections go to.
/// </summary>
internal sealed class HealthCheckService(
    ProxySnapshotProvider snapshots,
    ConfigReloader reloader,
    TimeProvider time,
    ILoggerFactory loggers,
    IEjectionListener? ejections = null) : IHostedService, IDisposable
{
    private readonly Lock _lock = new();
    private readonly ILogger _logger = loggers.CreateLogger<HealthCheckService>();
    private readonly ILogger _availabilityLogger = loggers.CreateLogger<ClusterAvailability>();
    private readonly Dictionary<ClusterState, ClusterHealthChecker> _checkers = [];
    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;
    private int _disposed;

    /// <summary>The checker of a live cluster, or null when it has no health check (tests wait on its rounds).</summary>
    public ClusterHealthChecker? Checker(string cluster)
    {
        lock (_lock)
        {
            return _checkers.Values.FirstOrDefault(c => c.Cluster.Name == cluster);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = FollowAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping: the loop ends on its token.
        }

        StopAll();
    }

    public void Dispose()
    {
        // The container disposes this twice: as itself and as the IHostedService its factory returned.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stopping.Cancel();
        StopAll();
        _stopping.Dispose();
    }

    /// <summary>Brings the checkers in line with the live clusters.</summary>
    internal void Sync()
    {
        var live = snapshots.Clusters;
        lock (_lock)
        {
            if (_stopping.IsCancellationRequested)
            {
                return;
            }

            foreach (var (cluster, checker) in _checkers.ToList())
            {
                if (!live.TryGetValue(cluster.Name, out var current) || !ReferenceEquals(current, cluster))
                {
                    checker.Dispose();
                    _checkers.Remove(cluster);
                }
            }

            foreach (var cluster in live.Values)
            {
                cluster.Availability.Logger = _availabilityLogger;
                cluster.Availability.Listener = ejections;
                if (cluster.Config.HealthCheck is { } check && !_checkers.ContainsKey(cluster))
                {
                    _checkers[cluster] = new ClusterHealthChecker(cluster, check, time, _availabilityLogger);
                }
            }
        }
    }

    private async Task FollowAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            // Take the signal before syncing, so an edit applied during the sync wakes the next pass.
            var next = reloader.NextChange;
            try
            {
                Sync();
            }
            catch (Exception ex)
            {
                TrafficPolicyHealthLog.HealthCheckSyncFailed(_logger, ex);
            }

            try
            {
                await next.WaitAsync(stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private void StopAll()
    {
        lock (_lock)
        {
            foreach (var checker in _checkers.Values)
            {
                checker.Dispose();
            }

            _checkers.Clear();
        }
    }
}
