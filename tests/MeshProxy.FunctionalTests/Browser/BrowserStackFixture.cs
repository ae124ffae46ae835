using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.Hosting;

namespace MeshProxy.FunctionalTests.Browser;

/// <summary>
/// A sample backend behind a sidecar whose REST listener serves gRPC-Web, Connect and REST transcoding, with CORS for
/// one origin. Every sample method routes to the backend with the default retry policy (UNAVAILABLE retried).
/// CheckStock always answers after 3s, so a caller's deadline passes first.
/// </summary>
public sealed class BrowserStackFixture() : SampleStack("v1"), IAsyncLifetime
{
    public const string AllowedOrigin = "http://app.example";

    public const string SlowMethod = "/inventory.v1.InventoryService/CheckStock";

    public Uri RestAddress => Proxy.Address(ListenerName.Rest);

    public HttpClient Http { get; } = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, AutomaticDecompression = System.Net.DecompressionMethods.None })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    internal MeshProxy.SampleBackends.SampleBackendHandle Backend => Backends[0];

    public new async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Backend.Faults.Add("inventory.v1.InventoryService/CheckStock:latency=3s");
    }

    public new async Task DisposeAsync()
    {
        Http.Dispose();
        await base.DisposeAsync();
    }

    protected override string Config(IReadOnlyList<int> backendPorts) => $$"""
        version: "browser"
        {{LoopbackListeners}}
        routes:
          - name: samples
            match: { prefix: / }
            cluster: v1
        clusters:
          v1: { destinations: [ { address: "http://127.0.0.1:{{backendPorts[0]}}" } ] }
        transcoding:
          descriptorSets: [builtin]
        browser:
          maxRequestBodyBytes: 65536
          cors:
            allowedOrigins: ["{{AllowedOrigin}}"]
            allowedHeaders: [x-tenant]
            exposedHeaders: [x-backend-version]
            maxAge: 5m
        """;
}
