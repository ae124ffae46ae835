using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace MeshProxy.Grpc.Server;

public static class GrpcKestrelExtensions
{
    /// <summary>The least number of concurrent streams per HTTP/2 connection a gRPC server allows.</summary>
    public const int MinMaxStreamsPerConnection = 1000;

    /// <summary>
    /// Sets Kestrel up for cleartext gRPC: every endpoint speaks HTTP/2 with prior knowledge (h2c, no upgrade), at
    /// least 1000 concurrent streams per connection, and no minimum data rates, which would kill long-lived idle
    /// streams (a Watch that waits hours for a change is normal gRPC).
    /// </summary>
    public static KestrelServerOptions ConfigureForGrpc(this KestrelServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Limits.Http2.MaxStreamsPerConnection = Math.Max(options.Limits.Http2.MaxStreamsPerConnection, MinMaxStreamsPerConnection);
        options.Limits.MinRequestBodyDataRate = null;
        options.Limits.MinResponseDataRate = null;
        options.ConfigureEndpointDefaults(listen => listen.Protocols = HttpProtocols.Http2);
        return options;
    }
}
