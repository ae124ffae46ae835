using MeshProxy.Grpc.Client;
using MeshProxy.Hosting;
using MeshProxy.SampleBackends;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.EndToEnd;

/// <summary>
/// The demo's shape on port 0: sample backends v1 and v2 in-process behind one sidecar. users goes to v1 unless
/// x-canary: true pins v2; inventory and payments go to v1; a route to a dead port proves UNAVAILABLE.
/// </summary>
public sealed class SampleStackFixture : IAsyncLifetime
{
    private SampleBackendHandle? _v1;
    private SampleBackendHandle? _v2;
    private MeshProxyServer? _proxy;

    public XunitLoggerProvider Logs { get; } = new(output: null);

    internal SampleBackendHandle V1 => _v1 ?? throw new InvalidOperationException("Not started.");

    internal SampleBackendHandle V2 => _v2 ?? throw new InvalidOperationException("Not started.");

    internal MeshProxyServer Proxy => _proxy ?? throw new InvalidOperationException("Not started.");

    public GrpcChannel Channel { get; private set; } = null!;

    public Uri GrpcAddress => Proxy.Address(ListenerName.Grpc);

    public async Task InitializeAsync()
    {
        _v1 = await SampleBackend.StartAsync(new SampleBackendOptions { Port = 0, Address = "127.0.0.1", Version = "v1" }, Logs).DefaultTimeout();
        _v2 = await SampleBackend.StartAsync(new SampleBackendOptions { Port = 0, Address = "127.0.0.1", Version = "v2" }, Logs).DefaultTimeout();
        _proxy = await MeshProxyServer.StartAsync(Config(_v1.Port, _v2.Port, LoopbackPort.Unused()), Logs).DefaultTimeout();
        Channel = GrpcChannel.ForAddress(GrpcAddress);
    }

    public async Task DisposeAsync()
    {
        Channel?.Dispose();
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }

        if (_v1 is not null)
        {
            await _v1.DisposeAsync();
        }

        if (_v2 is not null)
        {
            await _v2.DisposeAsync();
        }
    }


    private static string Config(int v1, int v2, int dead) => $$"""
        version: "end-to-end"
        listeners:
          grpc:  { address: 127.0.0.1, port: 0 }
          rest:  { address: 127.0.0.1, port: 0 }
          ops:   { address: 127.0.0.1, port: 0 }
          admin: { address: 127.0.0.1, port: 0 }
        routes:
          - name: users-canary-pinned
            match:
              method: /users.v1.UserService/*
              headers: [ { name: x-canary, exact: "true" } ]
            cluster: v2
          - name: users
            match: { method: /users.v1.UserService/* }
            cluster: v1
          - name: samples
            match: { prefix: / }
            cluster: v1
          - name: nowhere
            match: { method: /inventory.v1.InventoryService/StreamInventoryUpdates, headers: [ { name: x-nowhere, present: true } ] }
            cluster: dead
        clusters:
          v1: { destinations: [ { address: "http://127.0.0.1:{{v1}}" } ] }
          v2: { destinations: [ { address: "http://127.0.0.1:{{v2}}" } ] }
          dead: { destinations: [ { address: "http://127.0.0.1:{{dead}}" } ] }
        """;
}

[CollectionDefinition(Name)]
public sealed class SampleStackCollection : ICollectionFixture<SampleStackFixture>
{
    public const string Name = "sample stack";
}
