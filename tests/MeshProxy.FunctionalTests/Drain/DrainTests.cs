using System.Net;
using System.Text.Json;
using MeshProxy.Hosting;
using MeshProxy.TestSupport;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests.Drain;

/// <summary>The graceful drain of an in-process sidecar, started from the admin listener, over real sockets.</summary>
public sealed class DrainTests(ITestOutputHelper output)
{
    private const string Method = "/drain.v1.Gated/Stream";

    [Fact]
    public async Task Quitquitquit_StreamInFlight_ReadinessFailsListenersCloseAndTheStreamFinishesOk()
    {
        await using var backend = await GatedStreamBackend.StartAsync();
        await using var server = await StartAsync(backend, propagationDelay: "50ms", deadline: "30s");
        using var admin = new HttpClient();
        using var stream = await GrpcStream.StartAsync(server.Address(ListenerName.Grpc), Method).DefaultTimeout();
        Assert.Equal("first", await stream.ReadAsync().DefaultTimeout());

        using var quit = await admin.PostAsync(new Uri(server.Address(ListenerName.Admin), "/quitquitquit"), null).DefaultTimeout();

        Assert.Equal(HttpStatusCode.Accepted, quit.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await StatusAsync(admin, server, "/healthz/ready"));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(admin, server, "/healthz/live"));

        // After the propagation delay both traffic listeners are closed, while the stream is still open.
        await Connect.UntilRefusedAsync(server.EndPoint(ListenerName.Grpc)).DefaultTimeout();
        await Connect.UntilRefusedAsync(server.EndPoint(ListenerName.Rest)).DefaultTimeout();
        Assert.False(server.Drain.Completion.IsCompleted);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(admin, server, "/healthz/live"));

        backend.Release();
        Assert.Equal("second", await stream.ReadAsync().DefaultTimeout());
        Assert.Null(await stream.ReadAsync().DefaultTimeout());
        Assert.Equal("0", Infrastructure.GrpcHttp.Status(stream.Response));

        var outcome = await server.Drain.Completion.DefaultTimeout();
        Assert.Equal(DrainTrigger.QuitEndpoint, outcome.Trigger);
        Assert.False(outcome.DeadlineReached);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(admin, server, "/healthz/live"));
    }

    [Fact]
    public async Task Drain_DuringPropagationDelay_NewConnectionsAreStillServed()
    {
        await using var backend = await GatedStreamBackend.StartAsync();
        await using var server = await StartAsync(backend, propagationDelay: "10m", deadline: "1s");
        using var admin = new HttpClient();

        using var quit = await admin.PostAsync(new Uri(server.Address(ListenerName.Admin), "/quitquitquit"), null).DefaultTimeout();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await StatusAsync(admin, server, "/healthz/ready"));

        // A caller that has not seen the pod leave its endpoints yet opens a new connection: it is served.
        using var late = await GrpcStream.StartAsync(server.Address(ListenerName.Grpc), Method).DefaultTimeout();
        Assert.Equal("first", await late.ReadAsync().DefaultTimeout());
        backend.Release();
        Assert.Equal("second", await late.ReadAsync().DefaultTimeout());
        Assert.Null(await late.ReadAsync().DefaultTimeout());
        Assert.False(server.Drain.Completion.IsCompleted);
    }

    [Fact]
    public async Task PostDrain_StreamOutlivesTheDeadline_StreamCancelledAndReplyReportsIt()
    {
        await using var backend = await GatedStreamBackend.StartAsync();
        await using var server = await StartAsync(backend, propagationDelay: "0s", deadline: "300ms");
        using var admin = new HttpClient();
        using var stream = await GrpcStream.StartAsync(server.Address(ListenerName.Grpc), Method).DefaultTimeout();
        Assert.Equal("first", await stream.ReadAsync().DefaultTimeout());

        // POST /drain answers once the drain has ended: here by the deadline, since the stream never finishes.
        using var drain = await admin.PostAsync(new Uri(server.Address(ListenerName.Admin), "/drain"), null).DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, drain.StatusCode);
        using var body = JsonDocument.Parse(await drain.Content.ReadAsStringAsync().DefaultTimeout());
        Assert.Equal("drained", body.RootElement.GetProperty("state").GetString());
        Assert.Equal("drain", body.RootElement.GetProperty("trigger").GetString());
        Assert.True(body.RootElement.GetProperty("deadlineReached").GetBoolean());
        Assert.True(body.RootElement.GetProperty("elapsedMs").GetInt64() >= 300);

        // The caller's stream is cut (no grpc-status OK), and the upstream call behind it is cancelled.
        var ended = await Record.ExceptionAsync(async () => await stream.ReadAsync().DefaultTimeout());
        Assert.True(ended is HttpRequestException or IOException || Infrastructure.GrpcHttp.Status(stream.Response) is not "0", ended?.ToString());
        await backend.Aborted.DefaultTimeout();
        Assert.True((await server.Drain.Completion.DefaultTimeout()).DeadlineReached);
    }

    [Theory]
    [InlineData("GET", "/drain")]
    [InlineData("GET", "/quitquitquit")]
    [InlineData("PUT", "/drain")]
    [InlineData("DELETE", "/quitquitquit")]
    public async Task DrainEndpoints_NotPost_405WithAllowPostAndNoDrain(string method, string path)
    {
        await using var backend = await GatedStreamBackend.StartAsync();
        await using var server = await StartAsync(backend, propagationDelay: "0s", deadline: "1s");
        using var admin = new HttpClient();

        using var response = await admin.SendAsync(new HttpRequestMessage(new HttpMethod(method), new Uri(server.Address(ListenerName.Admin), path))).DefaultTimeout();

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(["POST"], response.Content.Headers.Allow);
        Assert.False(server.Drain.IsDraining);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(admin, server, "/healthz/ready"));
    }

    [Fact]
    public async Task DrainEndpoints_OnTrafficListeners_NotFound()
    {
        await using var backend = await GatedStreamBackend.StartAsync();
        await using var server = await StartAsync(backend, propagationDelay: "0s", deadline: "1s");
        using var client = new HttpClient();

        using var rest = await client.PostAsync(new Uri(server.Address(ListenerName.Rest), "/quitquitquit"), null).DefaultTimeout();
        using var ops = await client.PostAsync(new Uri(server.Address(ListenerName.Ops), "/quitquitquit"), null).DefaultTimeout();

        Assert.NotEqual(HttpStatusCode.Accepted, rest.StatusCode);
        Assert.NotEqual(HttpStatusCode.Accepted, ops.StatusCode);
        Assert.False(server.Drain.IsDraining);
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient client, MeshProxyServer server, string path)
    {
        using var response = await client.GetAsync(new Uri(server.Address(ListenerName.Ops), path)).DefaultTimeout();
        return response.StatusCode;
    }

    private Task<MeshProxyServer> StartAsync(GatedStreamBackend backend, string propagationDelay, string deadline) =>
        MeshProxyServer.StartAsync($$"""
            listeners:
              grpc: { address: 127.0.0.1, port: 0 }
              rest: { address: 127.0.0.1, port: 0 }
              ops: { address: 127.0.0.1, port: 0 }
              admin: { address: 127.0.0.1, port: 0 }
            drain: { propagationDelay: {{propagationDelay}}, deadline: {{deadline}} }
            routes:
              - name: gated
                match: { prefix: / }
                cluster: gated
            clusters:
              gated:
                destinations:
                  - address: {{backend.Address}}
            """, new XunitLoggerProvider(output)).DefaultTimeout();
}
