using System.Text.Json;
using MeshProxy.FunctionalTests.TrafficPolicy.Retries;
using MeshProxy.TestSupport;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests.Upstream;

/// <summary>
/// A route whose clusters all use the lean client sends the caller's headers from the server's collection
/// (Upstream/CallerHeaders.cs) rather than through YARP's copy, which a <c>client: sockets</c> cluster still uses: the
/// same call through each must reach an HTTP/2 server that is neither (node's http2, decoding with nghttp2) with the same
/// fields, first try and retry alike.
/// </summary>
public sealed class LeanCallerHeadersTests(H2PeerFixture fixture, ITestOutputHelper output) : IClassFixture<H2PeerFixture>
{
    private static readonly (string Name, string Value)[] CallerFields =
    [
        ("x-echo-headers", "1"),
        ("x-tenant", "acme"),
        ("x-trace-bin", "AAEC/w=="),
        ("authorization", "Bearer caller-token"),
        ("proxy-authorization", "Basic cHJveHk6c2VjcmV0"),
        ("user-agent", "grpc-dotnet/2.85.0"),
        ("grpc-accept-encoding", "identity,gzip"),
        ("grpc-timeout", "20S"),
        ("tracestate", "vendor=caller"),
        ("grpc-previous-rpc-attempts", "4"),
    ];

    [Fact]
    public async Task FirstTry_LeanSendsTheFieldsSocketsSends()
    {
        await using var stack = await RetryStack.StartAsync(output, fixture.Config(), []);

        var sockets = await ReceivedAsync(stack, UpstreamClients.Sockets);
        var lean = await ReceivedAsync(stack, UpstreamClients.Lean);

        output.WriteLine($"sockets: {string.Join(" | ", sockets)}\nlean:    {string.Join(" | ", lean)}");
        Assert.Equal(Comparable(sockets), Comparable(lean));

        // What both did, so the comparison cannot pass on two empty lists: the caller's fields arrive, the proxy-only
        // one does not, and the deadline is the proxy's own (a few ms under the caller's 20 s), sent once.
        Assert.Contains(("x-tenant", "acme"), lean);
        Assert.Contains(("authorization", "Bearer caller-token"), lean);
        Assert.Contains(("te", "trailers"), lean);
        Assert.Contains(("grpc-previous-rpc-attempts", "4"), lean);
        Assert.DoesNotContain(lean, f => f.Name == "proxy-authorization");
        Assert.Matches("^[0-9]+[mu]$", Assert.Single(lean, f => f.Name == "grpc-timeout").Value);
        Assert.Equal(stack.Address.Authority, Assert.Single(lean, f => f.Name == ":authority").Value);
    }

    [Fact]
    public async Task Retry_LeanSendsTheCallersFieldsAgain_WithTheAttemptCountInPlaceOfTheCallers()
    {
        await using var stack = await RetryStack.StartAsync(output, fixture.Config(route: "retry: { maxAttempts: 2, retryOn: [ reset ], backoff: { base: 1ms, max: 5ms } }"), []);
        var outcomes = new Dictionary<string, List<(string Name, string Value)>>();
        foreach (var client in new[] { UpstreamClients.Sockets, UpstreamClients.Lean })
        {
            // The first try is reset (INTERNAL_ERROR) before it is answered; the second is answered.
            outcomes[client] = await ReceivedAsync(stack, client, ("x-action", "rst"), ("x-rst-code", "2"), ("x-rst-once", Guid.NewGuid().ToString("N")));
        }

        output.WriteLine($"sockets: {string.Join(" | ", outcomes[UpstreamClients.Sockets])}\nlean:    {string.Join(" | ", outcomes[UpstreamClients.Lean])}");
        Assert.Equal(Comparable(outcomes[UpstreamClients.Sockets]), Comparable(outcomes[UpstreamClients.Lean]));
        Assert.Equal("1", Assert.Single(outcomes[UpstreamClients.Lean], f => f.Name == "grpc-previous-rpc-attempts").Value);
        Assert.Contains(("x-tenant", "acme"), outcomes[UpstreamClients.Lean]);
    }

    private static async Task<List<(string Name, string Value)>> ReceivedAsync(RetryStack stack, string client, params (string Name, string Value)[] more)
    {
        string? received = null;
        var outcome = await UpstreamCall.SendAsync(stack.Client, stack.Address, client, headers: [.. CallerFields, .. more], received: r =>
            received = r.Headers.TryGetValues("x-received", out var values) ? values.Single() : null);
        Assert.Equal("0", outcome.Status);
        return JsonSerializer.Deserialize<string[][]>(received ?? throw new InvalidOperationException($"no x-received: {outcome}"))!.Select(f => (f[0], f[1])).ToList();
    }

    // By name (each name's values in order), without what differs by design: the cluster-picking header, and the
    // deadline's exact time, the generated request id and the reset key, which each call has its own of.
    private static List<(string Name, string Value)> Comparable(List<(string Name, string Value)> fields) =>
        [.. fields
            .Where(f => f.Name != UpstreamClients.Header)
            .Select(f => f.Name is "grpc-timeout" or "x-request-id" or "x-rst-once" ? (f.Name, "*") : f)
            .OrderBy(f => f.Name, StringComparer.Ordinal)];
}
