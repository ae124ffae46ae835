using k8s;
using MeshProxy.Configuration;
using MeshProxy.Configuration.Reload;
using MeshProxy.Observability;
using MeshProxy.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MeshProxy.Discovery;

/// <summary>
/// Runs discovery for the live clusters: a <see cref="DnsClusterWatcher"/> per cluster with <c>dns</c>, an
/// <see cref="EndpointSliceWatcher"/> per cluster with <c>kubernetes</c>. After every applied config it starts
/// watchers for new or rebuilt clusters and stops those of clusters that left or were rebuilt (a rebuilt cluster
/// starts from its predecessor's destinations, so only the watching restarts). A change of <c>discovery:</c>
/// restarts every watcher on the new resolver and API server connection. Start-up waits for each cluster's first
/// lookup or list, so a sidecar serves the discovered pods from its first call.
/// </summary>
internal sealed class DiscoveryService(
    ProxySnapshotProvider snapshots,
    ConfigReloader reloader,
    TimeProvider time,
    ILoggerFactory loggers) : IHostedService, IDisposable
{
    private readonly Lock _lock = new();
    private readonly ILogger _logger = loggers.CreateLogger<DiscoveryService>();
    private readonly ILogger _dnsLogger = loggers.CreateLogger<DnsClusterWatcher>();
    private readonly ILogger _sliceLogger = loggers.CreateLogger<EndpointSliceWatcher>();
    private readonly Dictionary<TrafficPolicy.ClusterState, IClusterWatcher> _watchers = [];
    private readonly CancellationTokenSource _stopping = new();
    private DiscoveryConfig? _settings;
    private DnsResolver? _resolver;
    private (IKubernetes Client, string DefaultNamespace)? _kubernetes;
    private Task _loop = Task.CompletedTask;
    private int _disposed;

    /// <summary>The watcher of a live discovered cluster, or null (tests wait on its lookups).</summary>
    public IClusterWatcher? Watcher(string cluster)
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

            var settingsChanged = !Equals(_settings, discovery);
            foreach (var (cluster, watcher) in _watchers.ToList())
            {
                if (settingsChanged || !live.TryGetValue(cluster.Name, out var now) || !ReferenceEquals(now, cluster))
                {
                    watcher.Dispose();
                    _watchers.Remove(cluster);
                }
            }

            if (settingsChanged)
            {
                _settings = discovery;
                _resolver = null;
                _kubernetes = null;
            }

            foreach (var cluster in live.Values)
            {
                if (_watchers.ContainsKey(cluster))
                {
                    continue;
                }

                if (cluster.Config.Dns is not null)
                {
                    _resolver ??= new DnsResolver(discovery);
                    _watchers[cluster] = new DnsClusterWatcher(cluster, _resolver, time, _dnsLogger);
                }
                else if (cluster.Config.Kubernetes is not null && Kubernetes(discovery) is { } kubernetes)
                {
                    _watchers[cluster] = new EndpointSliceWatcher(cluster, kubernetes.Client, kubernetes.DefaultNamespace, time, _sliceLogger);
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

    // The API server connection, made when a kubernetes cluster first needs it; null (logged) when there is no
    // configuration to reach one, and tried again on the next applied config.
    private (IKubernetes Client, string DefaultNamespace)? Kubernetes(DiscoveryConfig discovery)
    {
        if (_kubernetes is null)
        {
            try
            {
                var (client, defaultNamespace, _) = KubernetesConnection.Create(discovery);
                _kubernetes = (client, defaultNamespace);
            }
            catch (Exception ex) when (ex is k8s.Exceptions.KubeConfigException or IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                DiscoveryLog.KubernetesUnavailable(_logger, ex);
            }
        }

        return _kubernetes;
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
