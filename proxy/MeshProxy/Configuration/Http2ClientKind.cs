namespace MeshProxy.Configuration;

/// <summary>The HTTP/2 client of a cluster's calls (<c>http2.client</c>).</summary>
internal enum Http2ClientKind
{
    /// <summary>MeshProxy's own multiplexed h2c client (<c>MeshProxy.Upstream</c>): fewer allocations, coalesced writes.</summary>
    Lean,

    /// <summary>.NET's SocketsHttpHandler: h2c and TLS.</summary>
    Sockets,
}
