using System.Net;

namespace MeshProxy.TrafficPolicy.Health;

/// <summary>
/// The HTTP client of a cluster's probes: its own connections (a probe must not wait behind, nor be helped by, the
/// proxied calls' pool, as Envoy's checker also uses its own connection), h2c, nothing a proxy would not do.
/// </summary>
internal static class HealthProbeClient
{
    public static HttpMessageInvoker Create(TimeSpan connectTimeout) => new(CreateHandler(connectTimeout), disposeHandler: true);

    public static SocketsHttpHandler CreateHandler(TimeSpan connectTimeout) => new()
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
