using System.Net;
using MeshProxy.Configuration;
using MeshProxy.Security;

namespace MeshProxy.TrafficPolicy.Health;

/// <summary>
/// The HTTP client of a cluster's probes: its own connections (a probe must not wait behind, nor be helped by, the
/// proxied calls' pool, as Envoy's checker also uses its own connection), h2c, nothing a proxy would not do. A cluster
/// with <c>tls:</c> is probed over mTLS with the same certificate and server checks as its calls.
/// </summary>
internal static class HealthProbeClient
{
    public static HttpMessageInvoker Create(TimeSpan connectTimeout, ClusterConfig cluster, WorkloadIdentity? identity) =>
        new(CreateHandler(connectTimeout, cluster, identity), disposeHandler: true);

    public static HttpMessageHandler CreateHandler(TimeSpan connectTimeout, ClusterConfig cluster, WorkloadIdentity? identity) =>
        cluster.Tls is { } tls && identity is not null
            ? new MtlsClientHandler(identity, tls, cluster.Name, () => CreateHandler(connectTimeout))
            : CreateHandler(connectTimeout);

    private static SocketsHttpHandler CreateHandler(TimeSpan connectTimeout) => new()
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        ConnectTimeout = connectTimeout,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
        ActivityHeadersPropagator = null,
    };
}
