using System.Net;
using MeshProxy.Configuration;
using MeshProxy.Observability;
using MeshProxy.TrafficPolicy;
using Microsoft.Extensions.Logging;

namespace MeshProxy.Discovery;

/// <summary>
/// Follows one <c>dns</c> cluster (Envoy's STRICT_DNS): resolves its name, publishes the addresses as the cluster's
/// destination set, and resolves again
/// <list type="number">
/// <item>when the answer's smallest TTL is over, kept within [minRefresh, maxRefresh];</item>
/// <item>after a failed lookup, with back-off: minRefresh, doubling up to maxRefresh;</item>
/// <item>early after a gateway failure (a pod gone before its record), no sooner than minRefresh after the last lookup.</item>
/// </list>
/// A failed lookup changes nothing: the cluster keeps the last good set.
/// </summary>
internal sealed class DnsClusterWatcher : IClusterWatcher
{
    private readonly ClusterState _cluster;
    private readonly DnsDiscoveryConfig _dns;
    private readonly DnsResolver _resolver;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _firstLookup = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource<DnsLookup> _nextLookup = NewSignal();
    private readonly Task _loop;

    public DnsClusterWatcher(ClusterState cluster, DnsResolver resolver, TimeProvider time, ILogger logger)
    {
        _cluster = cluster;
        _dns = cluster.Config.Dns ?? throw new ArgumentException("The cluster has no dns source.", nameof(cluster));
        _resolver = resolver;
        _time = time;
        _logger = logger;
        DiscoveryLog.DnsWatchStarted(logger, cluster.Name, _dns.Address, resolver.Description);
        _loop = Task.Run(() => RunAsync(_stopping.Token));
    }

    public ClusterState Cluster => _cluster;

    /// <summary>Completes after the first lookup, whatever its outcome (start-up waits for it).</summary>
    public Task FirstLookup => _firstLookup.Task;

    /// <summary>Completes with the next lookup's outcome (tests and tooling wait on it).</summary>
    public Task<DnsLookup> NextLookup => Volatile.Read(ref _nextLookup).Task;

    /// <summary>The lookup loop; it ends once the watcher is disposed.</summary>
    public Task Completion => _loop;

    public void Dispose()
    {
        _stopping.Cancel();
        _firstLookup.TrySetResult();
    }

    /// <summary>The wait before the next lookup after a good answer: its TTL within the bounds (no TTL: the upper bound).</summary>
    internal static TimeSpan RefreshAfter(TimeSpan? ttl, DnsDiscoveryConfig dns) =>
        ttl is not { } t ? dns.MaxRefresh
        : t < dns.MinRefresh ? dns.MinRefresh
        : t > dns.MaxRefresh ? dns.MaxRefresh
        : t;

    /// <summary>The wait after <paramref name="failures"/> failed lookups in a row: minRefresh, doubling, capped at maxRefresh.</summary>
    internal static TimeSpan RetryAfter(int failures, DnsDiscoveryConfig dns)
    {
        var wait = dns.MinRefresh;
        for (var i = 1; i < failures && wait < dns.MaxRefresh; i++)
        {
            wait += wait;
        }

        return wait > dns.MaxRefresh ? dns.MaxRefresh : wait;
    }

    private static TaskCompletionSource<DnsLookup> NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task RunAsync(CancellationToken stopping)
    {
        var failures = 0;
        while (!stopping.IsCancellationRequested)
        {
            var started = _time.GetTimestamp();
            DnsAnswer answer;
            try
            {
                answer = await _resolver.ResolveAsync(_dns.Host, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }

            TimeSpan wait;
            var changed = false;
            if (answer.Succeeded)
            {
                if (failures > 0)
                {
                    DiscoveryLog.DnsLookupRecovered(_logger, _cluster.Name, _dns.Address, failures);
                }

                failures = 0;
                changed = Publish(answer.Addresses);
                wait = RefreshAfter(answer.Ttl, _dns);
            }
            else
            {
                failures++;
                wait = RetryAfter(failures, _dns);
                DiscoveryLog.DnsLookupFailed(_logger, _cluster.Name, _dns.Address, answer.Error!, _cluster.Destinations.Count, wait);
            }

            _firstLookup.TrySetResult();
            var signal = Interlocked.Exchange(ref _nextLookup, NewSignal());
            signal.TrySetResult(new DnsLookup(answer, changed, wait));

            try
            {
                await WaitAsync(started, wait, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
        }
    }

    // Waits out the refresh time, or less when a destination fails to connect (but at least minRefresh since the
    // lookup started, so a dead pod hammered by calls cannot turn into a DNS flood).
    private async Task WaitAsync(long started, TimeSpan wait, CancellationToken stopping)
    {
        var failure = _cluster.NextGatewayFailure;
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var timer = Task.Delay(wait, _time, waiting.Token);
        var first = await Task.WhenAny(timer, failure).ConfigureAwait(false);
        await waiting.CancelAsync().ConfigureAwait(false);
        stopping.ThrowIfCancellationRequested();
        if (first == failure)
        {
            var left = _dns.MinRefresh - _time.GetElapsedTime(started);
            if (left > TimeSpan.Zero)
            {
                await Task.Delay(left, _time, stopping).ConfigureAwait(false);
            }

            DiscoveryLog.DnsEarlyRefresh(_logger, _cluster.Name, _dns.Address);
        }
    }

    // Publishes the answer as the cluster's destinations unless it is the set the cluster has; true when it changed.
    private bool Publish(IReadOnlyList<IPAddress> addresses)
    {
        var next = new List<DestinationConfig>(addresses.Count);
        foreach (var address in addresses)
        {
            var endPoint = new IPEndPoint(address, _dns.Port).ToString();
            next.Add(new DestinationConfig(endPoint, "http://" + endPoint));
        }

        var current = _cluster.Destinations;
        var currentPrefixes = current.Select(d => d.Prefix).ToHashSet(StringComparer.Ordinal);
        var nextPrefixes = next.Select(d => d.Address).ToHashSet(StringComparer.Ordinal);
        if (currentPrefixes.SetEquals(nextPrefixes) && current.Count == next.Count)
        {
            return false;
        }

        if (!_cluster.ReplaceDestinations(next))
        {
            return false;
        }

        DiscoveryLog.DnsDestinationsChanged(
            _logger,
            _cluster.Name,
            _dns.Address,
            next.Count,
            nextPrefixes.Count(p => !currentPrefixes.Contains(p)),
            currentPrefixes.Count(p => !nextPrefixes.Contains(p)),
            string.Join(", ", next.Select(d => d.Name)));
        return true;
    }
}
