using System.Collections.Concurrent;
using MeshProxy.Configuration;

namespace MeshProxy.Upstream;

/// <summary>
/// The lean HTTP/2 client (<c>http2: { client: lean }</c>): the handler YARP's forwarder sends a cluster's calls
/// through instead of SocketsHttpHandler, one <see cref="Http2ConnectionPool"/> per destination.
/// </summary>
/// <remarks>
/// It speaks h2c with prior knowledge only (the mesh's plain hop to a local or in-cluster backend); a cluster with
/// <c>tls:</c> keeps SocketsHttpHandler. What it saves against SocketsHttpHandler is measured in docs/benchmarks.md
/// ("The lean HTTP/2 upstream client").
/// </remarks>
internal sealed class LeanHttp2Handler : HttpMessageHandler
{

    private readonly ConcurrentDictionary<(string Host, int Port), Http2ConnectionPool> _pools = new();
    private readonly bool _multiple;
    private readonly TimeSpan _connectTimeout;
    private readonly LeanHttp2Timings _timings;
    private readonly ITimer _sweep;

    /// <param name="config">The cluster's HTTP/2 and connect settings.</param>
    /// <param name="timings">Idle close and keep-alive; <see cref="LeanHttp2Timings.Default"/> in the sidecar.</param>
    public LeanHttp2Handler(ClusterConfig config, LeanHttp2Timings timings)
    {
        _multiple = config.Http2.MultipleConnections;
        _connectTimeout = config.ConnectTimeout == TimeSpan.Zero ? Timeout.InfiniteTimeSpan : config.ConnectTimeout;
        _timings = timings;
        _sweep = TimeProvider.System.CreateTimer(static state => ((LeanHttp2Handler)state!).Sweep(), this, timings.SweepPeriod, timings.SweepPeriod);
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.RequestUri is not { Scheme: "http" } uri)
        {
            throw new HttpRequestException(HttpRequestError.ConfigurationLimitExceeded, $"the lean HTTP/2 client speaks h2c only; cannot send to {request.RequestUri}");
        }

        var pool = _pools.GetOrAdd((uri.IdnHost, uri.Port), static (key, handler) => new Http2ConnectionPool(key.Host, key.Port, handler._multiple, handler._connectTimeout), this);
        return pool.SendAsync(request, cancellationToken);
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
