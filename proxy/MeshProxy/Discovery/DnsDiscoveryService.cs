using MeshProxy.Configuration;
using MeshProxy.Configuration.Reload;
using MeshProxy.Observability;
using MeshProxy.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MeshProxy.Discovery;

/// <summary>
/// Runs DNS discovery for the live clusters: one <see cref="DnsClusterWatcher"/> per cluster with <c>dns</c>. After
/// every applied config it starts watchers for new or rebuilt clusters and stops those of clusters that left or were
/// rebuilt (a rebuilt cluster starts from its predecessor's destinations, so only the lookups restart). A change of
/// <c>discovery:</c> restarts every watcher on the new resolver. Start-up waits for each cluster's first lookup, so a
/// sidecar serves the resolved pods from its first call.
/// </summary>
internal sealed class DnsDiscoveryService(
    ProxySnapshotProvider snapshots,
    ConfigReloader reloader,
    TimeProvider time,
    ILoggerFactory loggers) : IHostedService, IDisposable
{
    private readonly Lock _lock = new();
    private readonly ILogger _logger = loggers.CreateLogger<DnsDiscoveryService>();
    private readonly ILogger _watcherLogger = loggers.CreateLogger<DnsClusterWatcher>();
    private readonly Dictionary<TrafficPolicy.ClusterState, DnsClusterWatcher> _watchers = [];
    private readonly CancellationTokenSource _stopping = new();
    private (DiscoveryConfig Config, DnsResolver Resolver)? _resolver;
    private Task _loop = Task.CompletedTask;
    private int _disposed;

    /// <summary>The watcher of a live <c>dns</c> cluster, or null (tests wait on its lookups).</summary>
    public DnsClusterWatcher? Watcher(string cluster)
    {
        lock (_lock)
        {
            return _watchers.Values.FirstOrDefault(w => w.Cluster.Name == cluster);
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        Sync();
        Task[] first;
        lock (_lock)
        {
            first = [.. _watchers.Values.Select(w => w.FirstLookup)];
        }

        // Bounded by the DNS timeout of each lookup; a failed first lookup leaves the cluster empty (UNAVAILABLE)
        // until a later one answers.
        await Task.WhenAll(first).WaitAsync(cancellationToken).ConfigureAwait(false);
        _loop = FollowAsync(_stopping.Token);
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

    /// <summary>Brings the watchers in line with the live clusters and the live <c>discovery:</c> settings.</summary>
    internal void Sync()
    {
        var live = snapshots.Clusters;
        var discovery = snapshots.Current?.Config.Discovery ?? DiscoveryConfig.Default;
        lock (_lock)
        {
            if (_stopping.IsCancellationRequested)
            {
                return;
            }

            var resolverChanged = _resolver is not { } current || !current.Config.Equals(discovery);
            foreach (var (cluster, watcher) in _watchers.ToList())
            {
                if (resolverChanged || !live.TryGetValue(cluster.Name, out var now) || !ReferenceEquals(now, cluster))
                {
                    watcher.Dispose();
                    _watchers.Remove(cluster);
                }
            }

            if (resolverChanged)
            {
                _resolver = (discovery, new DnsResolver(discovery));
            }

            foreach (var cluster in live.Values)
            {
                if (cluster.Config.Dns is not null && !_watchers.ContainsKey(cluster))
                {
                    _watchers[cluster] = new DnsClusterWatcher(cluster, _resolver!.Value.Resolver, time, _watcherLogger);
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
                DiscoveryLog.DiscoverySyncFailed(_logger, ex);
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
            foreach (var watcher in _watchers.Values)
            {
                watcher.Dispose();
            }

            _watchers.Clear();
        }
    }
}
