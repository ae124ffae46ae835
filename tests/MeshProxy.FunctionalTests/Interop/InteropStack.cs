using System.Collections.Concurrent;
using System.Text.Json;
using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.Hosting;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.Interop;

/// <summary>
/// A grpc-js server and a grpc-dotnet server, each behind its own sidecar (all listeners on port 0), shared by the
/// interop tests of <see cref="InteropCollection"/>. Clients of either implementation call <see cref="SidecarFor"/>;
/// the sidecar is the thing under test, the peers are the references.
/// </summary>
public sealed class InteropStack : IAsyncLifetime
{
    private readonly ConcurrentDictionary<ServerKind, Lazy<Task<JsonElement>>> _grpcJsRuns = new();
    private readonly string _run = Guid.NewGuid().ToString("N");
    private GrpcJsServer? _grpcJs;
    private GrpcDotnetServer? _grpcDotnet;
    private MeshProxyServer? _toGrpcJs;
    private MeshProxyServer? _toGrpcDotnet;

    /// <summary>The sidecars' logs: an error logged during a test fails it.</summary>
    public XunitLoggerProvider Logs { get; } = new(output: null);

    public Uri SidecarFor(ServerKind server) => Sidecar(server).Address(ListenerName.Grpc);

    public async Task InitializeAsync()
    {
        _grpcJs = await GrpcJsServer.StartAsync().DefaultTimeout();
        _grpcDotnet = await GrpcDotnetServer.StartAsync().DefaultTimeout();
        _toGrpcJs = await MeshProxyServer.StartAsync(Config(_grpcJs.Port), Logs).DefaultTimeout();
        _toGrpcDotnet = await MeshProxyServer.StartAsync(Config(_grpcDotnet.Port), Logs).DefaultTimeout();
    }

    /// <summary>
    /// What tests/node/interop/client.js saw calling <paramref name="server"/> through its sidecar, one JSON object
    /// keyed by scenario. The script runs once per server, on first use.
    /// </summary>
    public Task<JsonElement> GrpcJsClientRunAsync(ServerKind server) =>
        _grpcJsRuns.GetOrAdd(server, kind => new Lazy<Task<JsonElement>>(() => RunGrpcJsClientAsync(kind))).Value;

    /// <summary>The x-test-id of the grpc-js client run: its deadline and cancel calls are tagged "&lt;id&gt;-deadline" and "&lt;id&gt;-cancel".</summary>
    public string GrpcJsClientTestId(ServerKind server) => $"{_run}-js-to-{server}";

    public async Task DisposeAsync()
    {
        foreach (var sidecar in new[] { _toGrpcJs, _toGrpcDotnet })
        {
            if (sidecar is not null)
            {
                await sidecar.DisposeAsync();
            }
        }

        if (_grpcDotnet is not null)
        {
            await _grpcDotnet.DisposeAsync();
        }

        if (_grpcJs is not null)
        {
            await _grpcJs.DisposeAsync();
        }
    }

    private MeshProxyServer Sidecar(ServerKind server) =>
        (server == ServerKind.GrpcJs ? _toGrpcJs : _toGrpcDotnet) ?? throw new InvalidOperationException("Not started.");

    private async Task<JsonElement> RunGrpcJsClientAsync(ServerKind server)
    {
        var nodeDirectory = await NodePeers.EnsureInstalledAsync().DefaultTimeout();
        var result = await ProcessRunner.RunAsync(
            "node",
            [Path.Combine("interop", "client.js"), SidecarFor(server).Authority, GrpcJsClientTestId(server), "no-health"],
            nodeDirectory,
            TimeSpan.FromSeconds(90)).DefaultTimeout();
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"interop/client.js failed ({result.ExitCode}):\n{result.StandardError}\n{result.StandardOutput}");
        }

        using var document = JsonDocument.Parse(result.StandardOutputBytes);
        return document.RootElement.Clone();
    }

    // Plain forwarding: one attempt (a retried status would reach the server twice), the route's default limits.
    private static string Config(int port) => $$"""
        version: interop
        {{SampleStack.LoopbackListeners}}
        routes:
          - name: users
            match: { method: /users.v1.UserService/* }
            cluster: server
            retry: { maxAttempts: 1 }
          - name: payments
            match: { method: /payments.v1.PaymentService/* }
            cluster: server
            retry: { maxAttempts: 1 }
        clusters:
          server: { destinations: [ { address: "http://127.0.0.1:{{port}}" } ] }
        """;
}
