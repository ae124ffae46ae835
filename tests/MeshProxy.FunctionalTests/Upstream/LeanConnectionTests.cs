using System.Text.Json;
using MeshProxy.FunctionalTests.TrafficPolicy.Retries;
using MeshProxy.TestSupport;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests.Upstream;

/// <summary>
/// What the upstream connection itself does, seen from an HTTP/2 server that is neither .NET nor grpc-js (node's
/// http2 module): the SETTINGS the lean client sends (proof that it, not SocketsHttpHandler, is on the wire), GOAWAY
/// and a dropped connection, resets in both directions, deadlines and cancellation reaching the backend.
/// </summary>
public sealed class LeanConnectionTests(H2PeerFixture fixture, ITestOutputHelper output) : IClassFixture<H2PeerFixture>
{
    [Fact]
    public async Task Settings_LeanCluster_SendsTheLeanClientsSettings_SocketsClusterDoesNot()
    {
        await using var stack = await RetryStack.StartAsync(output, fixture.Config(), []);

        var lean = await RemoteSettingsAsync(stack, UpstreamClients.Lean);
        var sockets = await RemoteSettingsAsync(stack, UpstreamClients.Sockets);

        output.WriteLine($"lean: {lean}\nsockets: {sockets}");
        using var leanJson = JsonDocument.Parse(lean);
        Assert.Equal(1_048_576, leanJson.RootElement.GetProperty("initialWindowSize").GetInt32());
        Assert.Equal(65_536, leanJson.RootElement.GetProperty("maxHeaderListSize").GetInt32());
        Assert.False(leanJson.RootElement.GetProperty("enablePush").GetBoolean());
        Assert.NotEqual(lean, sockets);
    }

    [Theory]
    [MemberData(nameof(UpstreamClients.Both), MemberType = typeof(UpstreamClients))]
    public async Task GoAway_WhileCallsInFlight_TheyCompleteAndTheNextCallUsesANewConnection(string client)
    {
        await using var stack = await RetryStack.StartAsync(output, fixture.Config(), []);
        var before = await SessionAsync(stack, client);

        // Four calls meet on the connection; one makes the server send GOAWAY, and all four are answered after it.
        string[] sessions = new string[4];
        string[] goaways = new string[4];
        var calls = Enumerable.Range(0, 4).Select(i => UpstreamCall.SendAsync(
            stack.Client,
            stack.Address,
            client,
            headers: [("x-wait-streams", "4"), ("x-hold-ms", "300"), .. i == 0 ? [("x-action", "goaway")] : Array.Empty<(string, string)>()],
            received: r =>
            {
                sessions[i] = Header(r, "x-session");
                goaways[i] = Header(r, "x-goaway-sent");
            })).ToArray();
        var outcomes = await Task.WhenAll(calls).DefaultTimeout();
        var after = await SessionAsync(stack, client);

        Assert.All(outcomes, o => Assert.Equal(("0", (string?)null), (o.Status, o.Failure)));
        Assert.All(sessions, s => Assert.Equal(before, s));
        Assert.All(goaways, g => Assert.Equal("true", g));
        Assert.NotEqual(before, after);
    }

    [Fact]
    public async Task ConnectionDropped_MidCall_LeanEndsTheCallAsSocketsDoes_AndTheNextCallSucceedsOnANewConnection()
    {
        await using var stack = await RetryStack.StartAsync(output, fixture.Config(), []);
        var outcomes = new Dictionary<string, CallOutcome>();
        foreach (var client in new[] { UpstreamClients.Sockets, UpstreamClients.Lean })
        {
            var before = await SessionAsync(stack, client);

            outcomes[client] = await UpstreamCall.SendAsync(stack.Client, stack.Address, client, headers: [("x-action", "destroy")]);
            var after = await SessionAsync(stack, client);

            output.WriteLine($"{client}: {outcomes[client]}");
            Assert.NotEqual(before, after);
        }

        Assert.NotNull(outcomes[UpstreamClients.Sockets].Failure ?? outcomes[UpstreamClients.Sockets].Status);
        Assert.NotEqual("0", outcomes[UpstreamClients.Sockets].Status);
        Assert.Equal(outcomes[UpstreamClients.Sockets], outcomes[UpstreamClients.Lean]);
    }

    [Theory]
    [MemberData(nameof(UpstreamClients.Both), MemberType = typeof(UpstreamClients))]
    public async Task BackendRefusesTheStreamOnce_TheRetryIsAnswered(string client)
    {
        // The default retryOn has refused-stream. SocketsHttpHandler re-sends a refused request on its own, which the
        // pumped body cannot feed; that try counts as refused, and the retry loop replays the body in a try of its own.
        await using var stack = await RetryStack.StartAsync(output, fixture.Config(route: "retry: { maxAttempts: 2, backoff: { base: 1ms, max: 5ms } }"), []);

        var outcome = await UpstreamCall.SendAsync(stack.Client, stack.Address, client, headers: [("x-action", "rst"), ("x-rst-code", "7"), ("x-rst-once", Guid.NewGuid().ToString("N"))]);

        Assert.Equal(("0", (string?)null), (outcome.Status, outcome.Failure));
    }

    [Theory]
    [InlineData(0x2)]
    [InlineData(0x8)]
    [InlineData(0x7)]
    [InlineData(0xb)]
    public async Task BackendResetsTheStream_LeanGivesTheCallerWhatSocketsGives(int code)
    {
        await using var stack = await RetryStack.StartAsync(output, fixture.Config(), []);
        (string, string)[] headers = [("x-action", "rst"), ("x-rst-code", code.ToString(System.Globalization.CultureInfo.InvariantCulture))];

        var sockets = await UpstreamCall.SendAsync(stack.Client, stack.Address, UpstreamClients.Sockets, headers: headers);
        var lean = await UpstreamCall.SendAsync(stack.Client, stack.Address, UpstreamClients.Lean, headers: headers);

        output.WriteLine($"sockets: {sockets}\nlean:    {lean}");
        Assert.Equal("14", sockets.Status);
        Assert.Equal(sockets, lean);

        // The reset ended one stream, not the connection: the next call succeeds.
        Assert.Equal("0", (await UpstreamCall.SendAsync(stack.Client, stack.Address, UpstreamClients.Lean)).Status);
    }

    [Theory]
    [MemberData(nameof(UpstreamClients.Both), MemberType = typeof(UpstreamClients))]
    public async Task Deadline_Expires_DeadlineExceededAndTheResetReachesTheBackend(string client)
    {
        await using var stack = await RetryStack.StartAsync(output, fixture.Config(), []);
        var id = $"deadline-{client}-{Guid.NewGuid():N}";
        var cancelled = fixture.Peer.WaitForCancellationAsync(id);

        var outcome = await UpstreamCall.SendAsync(stack.Client, stack.Address, client, headers: [("grpc-timeout", "300m"), ("x-hold-ms", "60000"), ("x-record-cancel", id)]);

        Assert.Equal("4", outcome.Status);
        Assert.Equal("cancel", await cancelled.DefaultTimeout());
    }

    [Theory]
    [MemberData(nameof(UpstreamClients.Both), MemberType = typeof(UpstreamClients))]
    public async Task CallerCancels_TheResetReachesTheBackend(string client)
    {
        await using var stack = await RetryStack.StartAsync(output, fixture.Config(), []);
        var id = $"cancel-{client}-{Guid.NewGuid():N}";
        var cancelled = fixture.Peer.WaitForCancellationAsync(id);
        using var cancel = new CancellationTokenSource();

        // The backend answers headers and a message first, so the caller knows the call is there before it cancels.
        var outcome = await UpstreamCall.SendAsync(
            stack.Client,
            stack.Address,
            client,
            headers: [("x-action", "message"), ("x-hold-ms", "60000"), ("x-record-cancel", id)],
            cancellationToken: cancel.Token,
            received: _ => cancel.Cancel());

        Assert.NotNull(outcome.Failure);
        Assert.Equal("cancel", await cancelled.DefaultTimeout());
    }

    private static async Task<string> RemoteSettingsAsync(RetryStack stack, string client)
    {
        string? settings = null;
        var outcome = await UpstreamCall.SendAsync(stack.Client, stack.Address, client, received: r => settings = Header(r, "x-remote-settings"));
        Assert.Equal("0", outcome.Status);
        return settings!;
    }

    /// <summary>The number of the backend connection a fresh call through the client's cluster is answered on.</summary>
    private static async Task<string> SessionAsync(RetryStack stack, string client)
    {
        string? session = null;
        var outcome = await UpstreamCall.SendAsync(stack.Client, stack.Address, client, received: r => session = Header(r, "x-session"));
        Assert.Equal("0", outcome.Status);
        return session!;
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.Single() : string.Empty;
}
