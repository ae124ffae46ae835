namespace MeshProxy.Configuration;

/// <summary>HTTP/2 settings of a cluster's connection pool.</summary>
/// <param name="MultipleConnections">
/// true (default, <c>connectionsPerDestination: multiple</c>): open another connection when the server's
/// SETTINGS_MAX_CONCURRENT_STREAMS is reached instead of queueing calls; false (<c>single</c>): one connection.
/// </param>
/// <param name="Client">
/// Which HTTP/2 client carries the cluster's calls (<c>client:</c>): <see cref="Http2ClientKind.Lean"/> (MeshProxy's
/// own, h2c only) or <see cref="Http2ClientKind.Sockets"/> (.NET's SocketsHttpHandler). When the key is absent it is
/// <see cref="Http2ClientKinds.ProcessDefault"/> (Lean unless <c>MESHPROXY_HTTP2_CLIENT</c> says otherwise), and
/// Sockets for a cluster with <c>tls:</c>.
/// </param>
internal sealed record Http2Config(bool MultipleConnections, Http2ClientKind Client)
{
    public static Http2Config Default { get; } = new(MultipleConnections: true, Http2ClientKinds.ProcessDefault);
}
