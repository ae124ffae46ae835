namespace MeshProxy.Configuration;

/// <summary>HTTP/2 settings of a cluster's connection pool.</summary>
/// <param name="MultipleConnections">
/// true (default, <c>connectionsPerDestination: multiple</c>): open another connection when the server's
/// SETTINGS_MAX_CONCURRENT_STREAMS is reached instead of queueing calls; false (<c>single</c>): one connection.
/// </param>
internal sealed record Http2Config(bool MultipleConnections)
{
    public static Http2Config Default { get; } = new(MultipleConnections: true);
}
