using MeshProxy.FunctionalTests.Infrastructure;

namespace MeshProxy.FunctionalTests.Upstream;

/// <summary>
/// One h2c server on node's own http2 module (tests/node/upstream/h2peer.js), which reports what it saw on the wire
/// (the caller's SETTINGS, the connection a stream came on) and can send GOAWAY, reset a stream or drop the
/// connection on request. Its connection numbers grow over the fixture's life: tests compare them, never expect one.
/// </summary>
public sealed class H2PeerFixture : IAsyncLifetime
{
    private NodeBackends? _peer;

    public NodeBackends Peer => _peer ?? throw new InvalidOperationException("Not started.");

    /// <summary><c>http://127.0.0.1:PORT</c> of the server.</summary>
    public string Address => $"http://127.0.0.1:{Peer.Ports[0]}";

    /// <summary>Both clusters of <see cref="UpstreamClients.Config"/> with this server as their one destination.</summary>
    public string Config(string route = "retry: { maxAttempts: 1 }", string cluster = "", string http2 = "") =>
        UpstreamClients.Config($$"""[ { address: "{{Address}}", name: peer } ]""", route, cluster, http2);

    public async Task InitializeAsync() => _peer = await NodeBackends.StartAsync(1, "upstream", "h2peer.js");

    public async Task DisposeAsync()
    {
        if (_peer is not null)
        {
            await _peer.DisposeAsync();
        }
    }
}
