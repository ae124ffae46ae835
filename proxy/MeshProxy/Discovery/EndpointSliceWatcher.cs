using MeshProxy.Configuration;
using MeshProxy.Discovery.Kube;
using MeshProxy.Observability;
using MeshProxy.TrafficPolicy;
using Microsoft.Extensions.Logging;

namespace MeshProxy.Discovery;

/// <summary>
/// Follows one <c>kubernetes</c> cluster: the EndpointSlices labelled <c>kubernetes.io/service-name=SERVICE</c> in
/// its namespace, by the API's list-then-watch protocol (Kubernetes API concepts, "Efficient detection of changes"):
/// <list type="number">
/// <item>list them, keeping the list's resourceVersion, and publish the ready endpoints;</item>
/// <item>watch from that resourceVersion (with bookmarks), applying ADDED / MODIFIED / DELETED and moving the
/// resourceVersion on with every event, bookmarks included;</item>
/// <item>when the watch ends, resume it from the last resourceVersion: at once after a clean end that delivered
/// events, else after a back-off (250ms doubling up to 30s) for a dropped connection or an API server away;</item>
/// <item>on 410 Gone (the resourceVersion was compacted away, as an ERROR event or as the request's status), list
/// again (step 1).</item>
/// </list>
/// While the API server cannot be reached the cluster keeps the last set it published.
/// </summary>
internal sealed class EndpointSliceWatcher : IClusterWatcher
{
    /// <summary>First wait after a failed list or watch; it doubles per failure up to <see cref="MaxBackoff"/>.</summary>
    public static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(250);

    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    // A list is a plain request: bounded, so a hung API server is a failure rather than a stall.
    private static readonly TimeSpan ListTimeout = TimeSpan.FromSeconds(10);

    // The server ends a watch after this long (a client-chosen timeoutSeconds, as client-go's reflector sets one).
    private const int WatchSeconds = 290;

    private readonly ClusterState _cluster;
    private readonly KubernetesDiscoveryConfig _source;
    private readonly KubeApiClient _client;
    private readonly string _namespace;
    private readonly string _selector;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _firstLookup = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Dictionary<string, EndpointSlice> _slices = new(StringComparer.Ordinal);
    private readonly Task _loop;
    private TaskCompletionSource<EndpointSliceUpdate> _nextUpdate = NewSignal();

    public EndpointSliceWatcher(ClusterState cluster, KubeApiClient client, TimeProvider time, ILogger logger)
    {
        _cluster = cluster;
        _source = cluster.Config.Kubernetes ?? throw new ArgumentException("The cluster has no kubernetes source.", nameof(cluster));
        _client = client;
        _namespace = _source.Namespace ?? client.Settings.DefaultNamespace;
        _selector = $"kubernetes.io/service-name={_source.Service}";
        _time = time;
        _logger = logger;
        DiscoveryLog.EndpointSliceWatchStarted(logger, cluster.Name, _namespace, _source.Service);
        _loop = Task.Run(() => RunAsync(_stopping.Token));
    }

    public ClusterState Cluster => _cluster;

    public Task FirstLookup => _firstLookup.Task;

    /// <summary>Completes with the next list, event or failure (tests and tooling wait on it).</summary>
    public Task<EndpointSliceUpdate> NextUpdate => Volatile.Read(ref _nextUpdate).Task;

    /// <summary>The loop; it ends once the watcher is disposed.</summary>
    public Task Completion => _loop;

    public void Dispose()
    {
        _stopping.Cancel();
        _firstLookup.TrySetResult();
    }

    /// <summary>The wait after <paramref name="failures"/> failures in a row.</summary>
    internal static TimeSpan Backoff(int failures)
    {
        var wait = MinBackoff;
        for (var i = 1; i < failures && wait < MaxBackoff; i++)
        {
            wait += wait;
        }

        return wait > MaxBackoff ? MaxBackoff : wait;
    }

    private static TaskCompletionSource<EndpointSliceUpdate> NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static bool IsGone(Exception? error) => error is KubeApiException { IsGone: true };

    private async Task RunAsync(CancellationToken stopping)
    {
        string? resourceVersion = null;
        var failures = 0;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                if (resourceVersion is null)
                {
                    resourceVersion = await ListAsync(stopping).ConfigureAwait(false);
                    failures = 0;
                }

                var (events, error, last) = await WatchAsync(resourceVersion, stopping).ConfigureAwait(false);
                resourceVersion = last;
                if (IsGone(error))
                {
                    DiscoveryLog.EndpointSliceRelist(_logger, _cluster.Name, resourceVersion);
                    Signal("gone", changed: false, resourceVersion);
                    resourceVersion = null;
                    continue;
                }

                if (error is not null)
                {
                    throw error;
                }

                if (events > 0)
                {
                    failures = 0;
                    continue;
                }

                // A watch that ended at once with nothing in it: back off rather than spin.
                failures++;
                await DelayAsync(failures, "the watch ended without events", stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (IsGone(ex))
            {
                DiscoveryLog.EndpointSliceRelist(_logger, _cluster.Name, resourceVersion ?? "(none)");
                Signal("gone", changed: false, resourceVersion);
                resourceVersion = null;
            }
            catch (Exception ex)
            {
                failures++;
                _firstLookup.TrySetResult();
                try
                {
                    await DelayAsync(failures, ex.Message, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }

    private async Task<string> ListAsync(CancellationToken stopping)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(ListTimeout);
        var list = await _client.ListEndpointSlicesAsync(_namespace, _selector, timeout.Token).ConfigureAwait(false);
        _slices.Clear();
        foreach (var slice in list.Items ?? [])
        {
            if (slice.Metadata?.Name is { } name)
            {
                _slices[name] = slice;
            }
        }

        var resourceVersion = list.Metadata?.ResourceVersion ?? "0";
        var changed = Publish();
        _firstLookup.TrySetResult();
        Signal("list", changed, resourceVersion);
        return resourceVersion;
    }

    // One watch request: events applied as they come; returns how many arrived, the error the stream reported (an
    // ERROR event, or a broken connection), and the resourceVersion to resume from.
    private async Task<(int Events, Exception? Error, string ResourceVersion)> WatchAsync(string resourceVersion, CancellationToken stopping)
    {
        Exception? error = null;
        var events = 0;
        var watch = _client.WatchEndpointSlicesAsync(_namespace, _selector, resourceVersion, WatchSeconds, stopping);
        try
        {
            await foreach (var (type, slice) in watch.ConfigureAwait(false))
            {
                events++;
                resourceVersion = slice.Metadata?.ResourceVersion ?? resourceVersion;
                var changed = false;
                switch (type)
                {
                    case "ADDED" or "MODIFIED" when slice.Metadata?.Name is { } name:
                        _slices[name] = slice;
                        changed = Publish();
                        break;
                    case "DELETED" when slice.Metadata?.Name is { } name:
                        _slices.Remove(name);
                        changed = Publish();
                        break;
                }

                Signal(type.ToLowerInvariant(), changed, resourceVersion);
            }
        }
        catch (Exception ex) when (!stopping.IsCancellationRequested && ex is not OperationCanceledException)
        {
            error ??= ex;
        }

        return (events, error, resourceVersion);
    }

    private async Task DelayAsync(int failures, string reason, CancellationToken stopping)
    {
        var wait = Backoff(failures);
        DiscoveryLog.EndpointSliceWatchFailed(_logger, _cluster.Name, _namespace, _source.Service, reason, _cluster.Destinations.Count, wait);
        Signal("error", changed: false, resourceVersion: null);
        await Task.Delay(wait, _time, stopping).ConfigureAwait(false);
    }

    private void Signal(string kind, bool changed, string? resourceVersion)
    {
        var signal = Interlocked.Exchange(ref _nextUpdate, NewSignal());
        signal.TrySetResult(new EndpointSliceUpdate(kind, changed, resourceVersion));
    }

    // Publishes the ready endpoints unless they are the set the cluster has; true when it changed.
    private bool Publish()
    {
        var (ready, terminating) = EndpointSliceDestinations.From(_slices.Values, _source.Port);
        var current = _cluster.Destinations;
        if (current.Count == ready.Count && current.Select(d => (d.Name, d.Prefix)).SequenceEqual(ready.Select(d => (d.Name, d.Address))))
        {
            return false;
        }

        if (!_cluster.ReplaceDestinations(ready))
        {
            return false;
        }

        DiscoveryLog.EndpointSliceDestinationsChanged(_logger, _cluster.Name, _namespace, _source.Service, ready.Count, terminating, string.Join(", ", ready.Select(d => d.Name)));
        return true;
    }
}
