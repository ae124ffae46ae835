using System.Collections.Concurrent;
using MeshProxy.Configuration;

namespace MeshProxy.Upstream;

/// <summary>
/// The lean HTTP/2 client (<c>http2: { client: lean }</c>): the handler the forwarder sends a cluster's calls
/// through instead of SocketsHttpHandler, one <see cref="Http2ConnectionPool"/> per destination.
/// </summary>
/// <remarks>
/// It speaks h2c with prior knowledge only (the mesh's plain hop to a local or in-cluster backend); a cluster with
/// <c>tls:</c> keeps SocketsHttpHandler. What it saves against SocketsHttpHandler is measured in docs/benchmarks.md
/// ("The lean HTTP/2 upstream client").
/// </remarks>
internal sealed class LeanHttp2Handler : HttpMessageHandler
{
    // Scanned before the dictionary: a cluster has a handful of destinations, and a scan of this small array costs less
    // per call than a lookup in a dictionary whose nodes the other calls in flight have pushed out of the cache (0.6 %
    // of the proxy's CPU under load; perf). It holds only pools the dictionary holds, so Sweep and Dispose reach them.
    private const int RecentPoolsLimit = 16;

    private readonly ConcurrentDictionary<(string Host, int Port), Http2ConnectionPool> _pools = new();
    private readonly Lock _recentLock = new();
    private readonly bool _multiple;
    private readonly TimeSpan _connectTimeout;
    private readonly LeanHttp2Timings _timings;
    private readonly ITimer _sweep;
    private Http2ConnectionPool[] _recentPools = [];

    /// <param name="config">The cluster's HTTP/2 and connect settings.</param>
    /// <param name="timings">Idle close and keep-alive; <see cref="LeanHttp2Timings.Default"/> in the sidecar.</param>
    public LeanHttp2Handler(ClusterConfig config, LeanHttp2Timings timings)
    {
        _multiple = config.Http2.MultipleConnections;
        _connectTimeout = config.ConnectTimeout == TimeSpan.Zero ? Timeout.InfiniteTimeSpan : config.ConnectTimeout;
        _timings = timings;
        _sweep = TimeProvider.System.CreateTimer(static state => ((LeanHttp2Handler)state!).Sweep(), this, timings.SweepPeriod, timings.SweepPeriod);
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        SendAsync(request, caller: null, cancellationToken);

    /// <summary>Sends <paramref name="request"/>, followed in its header block by <paramref name="caller"/>'s fields when given.</summary>
    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CallerHeaders? caller, CancellationToken cancellationToken)
    {
        if (request.RequestUri is not { Scheme: "http" } uri)
        {
            throw new HttpRequestException(HttpRequestError.ConfigurationLimitExceeded, $"the lean HTTP/2 client speaks h2c only; cannot send to {request.RequestUri}");
        }

        var host = uri.IdnHost;
        var port = uri.Port;
        foreach (var recent in Volatile.Read(ref _recentPools))
        {
            if (recent.Port == port && string.Equals(recent.Host, host, StringComparison.Ordinal))
            {
                return recent.SendAsync(request, caller, cancellationToken);
            }
        }

        var pool = _pools.GetOrAdd((host, port), static (key, handler) => new Http2ConnectionPool(key.Host, key.Port, handler._multiple, handler._connectTimeout), this);
        Remember(pool);
        return pool.SendAsync(request, caller, cancellationToken);
    }

    /// <summary>Puts a pool the dictionary holds into the array, while it has room.</summary>
    private void Remember(Http2ConnectionPool pool)
    {
        if (Volatile.Read(ref _recentPools).Length >= RecentPoolsLimit)
        {
            return;
        }

        lock (_recentLock)
        {
            var recent = _recentPools;
            if (recent.Length < RecentPoolsLimit && Array.IndexOf(recent, pool) < 0)
            {
                Volatile.Write(ref _recentPools, [.. recent, pool]);
            }
        }
    }

    private void Sweep()
    {
        foreach (var pool in _pools.Values)
        {
            pool.Sweep(_timings.IdleTimeout, _timings.PingDelay, _timings.PingTimeout);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _sweep.Dispose();
            foreach (var pool in _pools.Values)
            {
                pool.Dispose();
            }
        }

        base.Dispose(disposing);
    }
}
