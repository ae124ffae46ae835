using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.SampleBackends;
using Microsoft.Extensions.DependencyInjection;

namespace MeshProxy.FunctionalTests.Transcoding;

/// <summary>
/// Sample backends v1 and v2 and the scripted test backend behind one sidecar whose REST listener transcodes the
/// builtin descriptor set. CheckStock splits 90/10 between v1 and v2 (a seeded Random makes the split
/// repeatable); every other sample method goes to v1; the test service goes to the scripted backend.
/// </summary>
public sealed class TranscodingStackFixture() : SampleStack("v1", "v2"), IAsyncLifetime
{
    public ScriptedBackend Scripted { get; private set; } = null!;

    public RestClient Rest { get; private set; } = null!;

    internal SampleBackendHandle V1 => Backends[0];

    internal SampleBackendHandle V2 => Backends[1];

    public new async Task InitializeAsync()
    {
        Scripted = await ScriptedBackend.StartAsync();
        await base.InitializeAsync();
        Rest = new RestClient(Proxy.Address(Hosting.ListenerName.Rest));
    }

    public new async Task DisposeAsync()
    {
        Rest?.Dispose();
        await base.DisposeAsync();
        if (Scripted is not null)
        {
            await Scripted.DisposeAsync();
        }
    }

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton(new Random(20261122));

    protected override string Config(IReadOnlyList<int> backendPorts) => $$"""
        version: "transcoding"
        {{LoopbackListeners}}
        routes:
          - name: stock-canary
            match: { method: /inventory.v1.InventoryService/CheckStock }
            backends:
              - { cluster: v1, weight: 90 }
              - { cluster: v2, weight: 10 }
          - name: test
            match: { method: /meshproxy.testing.v1.TranscodingTestService/* }
            cluster: scripted
          - name: samples
            match: { prefix: / }
            cluster: v1
        clusters:
          v1: { destinations: [ { address: "http://127.0.0.1:{{backendPorts[0]}}" } ] }
          v2: { destinations: [ { address: "http://127.0.0.1:{{backendPorts[1]}}" } ] }
          scripted: { destinations: [ { address: "http://127.0.0.1:{{Scripted.Port}}" } ] }
        transcoding:
          descriptorSets: [builtin]
          maxRequestBodyBytes: 65536
          forwardedHeaderPrefixes: [x-tenant-]
        """;
}

[CollectionDefinition(Name)]
public sealed class TranscodingStackCollection : ICollectionFixture<TranscodingStackFixture>
{
    public const string Name = "transcoding stack";
}
