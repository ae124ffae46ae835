using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace MeshProxy.Hosting;

/// <summary>
/// The traffic server's Kestrel settings other than its listeners. bench/Relay's Kestrel modes link this file, so that
/// what they measure runs under the same settings as the sidecar.
/// </summary>
internal static class TrafficServerLimits
{
    public static void Apply(KestrelServerOptions kestrel)
    {
        kestrel.AddServerHeader = false;

        // gRPC streams are long-lived and may idle: no data-rate minimums (a quiet server-stream is not a slow
        // client), room for many concurrent streams per connection, and idle connections kept for long.
        kestrel.Limits.MinRequestBodyDataRate = null;
        kestrel.Limits.MinResponseDataRate = null;
        kestrel.Limits.KeepAliveTimeout = TimeSpan.FromHours(1);
        kestrel.Limits.Http2.MaxStreamsPerConnection = 1000;

        // Response headers go to callers as HPACK literals, never into their dynamic tables: every response carries
        // an x-request-id of its own, which would evict an entry per call and make each header's lookup walk a table
        // that never settles (1.6 % of the proxy's CPU under load; perf, Native AOT build). What indexing saves is the
        // 17 bytes of content-type and grpc-status's name per call; not indexing is also RFC 7541 §7.1's safe default.
        kestrel.AllowResponseHeaderCompression = false;
    }
}
