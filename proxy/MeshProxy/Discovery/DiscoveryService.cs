using MeshProxy.Configuration;
using MeshProxy.Configuration.Reload;
using MeshProxy.Discovery.Kube;
using MeshProxy.Observability;
using MeshProxy.Routing;
using MeshProxy.TrafficPolicy;
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
    ILoggerFactory loggers) : LiveClusterWorkers<IClusterWatcher>(reloader)
{
    private readonly ILogger _logger = loggers.CreateLogger<DiscoveryService>();
    private readonly ILogger _dnsLogger = loggers.CreateLogger<DnsClusterWatcher>();
    private readonly ILogger _sliceLogger = loggers.CreateLogger<EndpointSliceWatcher>();
    private DiscoveryConfig? _settings;
    private DnsResolver? _resolver;
    private KubeApiClient? _kubernetes;
    private string? _kubernetesError;

    /// <summary>The watcher of a live discovered cluster, or null (tests wait on its lookups).</summary>
    public IClusterWatcher? Watcher(string cluster) => WorkerOf(cluster);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        Sync();
        Task[] first;
        lock (SyncLock)
        {
            first = [.. Workers.Values.Select(w => w.FirstLookup)];
        }

        // Bounded by the DNS timeout of each lookup; a failed first lookup leaves the cluster empty (UNAVAILABLE)
        // until a later one answers.
        await Task.WhenAll(first).WaitAsync(cancellationToken).ConfigureAwait(false);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Brings the watchers in line with the live clusters and the live <c>discovery:</c> settings.</summary>
    internal override void Sync()
    {
        var live = snapshots.Clusters;
        var discovery = snapshots.Current?.Config.Discovery ?? DiscoveryConfig.Default;
        lock (SyncLock)
        {
            if (Stopping)
            {
                return;
            }

            var settingsChanged = !Equals(_settings, discovery);
            StopStale(live, all: settingsChanged);
            if (settingsChanged)
            {
                _settings = discovery;
                _resolver = null;

                // The old connection's watchers were stopped above; a changed discovery: gets a fresh one.
                _kubernetes?.Dispose();
                _kubernetes = null;
                _kubernetesError = null;
            }

            foreach (var cluster in live.Values)
            {
                if (Workers.ContainsKey(cluster))
                {
                    continue;
                }

                if (cluster.Config.Dns is not null)
                {
                    _resolver ??= new DnsResolver(discovery);
                    Workers[cluster] = new DnsClusterWatcher(cluster, _resolver, time, _dnsLogger);
                }
                else if (cluster.Config.Kubernetes is not null && Kubernetes(discovery) is { } kubernetes)
                {
                    Workers[cluster] = new EndpointSliceWatcher(cluster, kubernetes, time, _sliceLogger);
                }
            }
        }
    }

    protected override void OnSyncFailed(Exception exception) => DiscoveryLog.DiscoverySyncFailed(_logger, exception);

    // The API server connection, made when a kubernetes cluster first needs it; null (logged) when there is no
    // configuration to reach one, and tried again on the next applied config.
    private KubeApiClient? Kubernetes(DiscoveryConfig discovery)
    {
        if (_kubernetes is null)
        {
            try
            {
                _kubernetes = new KubeApiClient(KubeConnection.Settings(discovery, time));
                DiscoveryLog.KubernetesConnected(_logger, _kubernetes.Settings.Server, _kubernetes.Settings.Source, _kubernetes.Settings.DefaultNamespace);
            }
            catch (KubeconfigException ex)
            {
                // Every applied config tries again (a fixed kubeconfig file is picked up); the same reason is logged once.
                if (ex.Message != _kubernetesError)
                {
                    _kubernetesError = ex.Message;
                    DiscoveryLog.KubernetesUnavailable(_logger, ex.Message, ex);
                }
            }
        }

        return _kubernetes;
    }
}
