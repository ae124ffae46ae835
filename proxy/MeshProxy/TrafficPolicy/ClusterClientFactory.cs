using System.Net;
using MeshProxy.Configuration;
using MeshProxy.Security;
using MeshProxy.TrafficPolicy.Retries;
using MeshProxy.Upstream;

namespace MeshProxy.TrafficPolicy;

/// <summary>
/// One <see cref="HttpMessageInvoker"/> per cluster over a <see cref="SocketsHttpHandler"/> set up for proxying: no
/// proxy, redirects, decompression or cookies (a sidecar is transparent), several HTTP/2 connections when the
/// server's stream limit is reached, a connect timeout, and no overall timeout (deadlines are per call). A
/// <see cref="RetryHandler"/> sits in front: it retries calls whose route asks for it and passes the rest through.
/// A cluster with <c>tls:</c> dials its destinations through an <see cref="MtlsClientHandler"/> over the same settings;
/// one with <c>http2: { client: lean }</c> through MeshProxy's own <see cref="LeanHttp2Handler"/>.
/// </summary>
internal static class ClusterClientFactory
{
    /// <summary>Idle pooled connections are closed after this long.</summary>
    public static readonly TimeSpan PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2);

    /// <param name="config">The cluster.</param>
    /// <param name="identity">The workload certificate a cluster with <c>tls:</c> presents; the validator ensures it exists then.</param>
    public static ClusterClient Create(ClusterConfig config, WorkloadIdentity? identity = null)
    {
        HttpMessageHandler inner = config.Tls is { } tls && identity is not null
            ? new MtlsClientHandler(identity, tls, config.Name, () => CreateHandler(config))
            : config.Http2.Client == Http2ClientKind.Lean
                ? new LeanHttp2Handler(config, LeanHttp2Timings.Default with { IdleTimeout = PooledConnectionIdleTimeout })
                : CreateHandler(config);
        return new ClusterClient(new RetryHandler(inner));
    }

    private static SocketsHttpHandler CreateHandler(ClusterConfig config) =>
        new()
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            EnableMultipleHttp2Connections = config.Http2.MultipleConnections,
            ConnectTimeout = config.ConnectTimeout == TimeSpan.Zero ? Timeout.InfiniteTimeSpan : config.ConnectTimeout,
            PooledConnectionIdleTimeout = PooledConnectionIdleTimeout,

            // Keep idle HTTP/2 connections to the backend verified, so a dead peer is found before a call uses it.
            KeepAlivePingDelay = TimeSpan.FromSeconds(60),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(20),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            ActivityHeadersPropagator = null,
        };
}
