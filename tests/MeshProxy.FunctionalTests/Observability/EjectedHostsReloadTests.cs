using MeshProxy.Configuration.Reload;
using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.FunctionalTests.Reload;
using MeshProxy.Hosting;
using MeshProxy.SampleBackends;
using MeshProxy.TestSupport;
using static MeshProxy.FunctionalTests.Observability.MetricsSample;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests.Observability;

/// <summary>
/// <c>meshproxy_outlier_ejected_hosts</c> across config reloads: it is the number of destinations ejected right now in
/// the live clusters, so a reload that drops an ejected destination takes it out of the gauge and one that keeps it
/// keeps it counted.
/// </summary>
public sealed class EjectedHostsReloadTests(ITestOutputHelper output) : IAsyncLifetime
{
    // The file watcher and a short hash poll as a backstop, so a missed file event cannot stall the test.
    private static readonly ConfigReloadOptions Reloads = new() { PollInterval = TimeSpan.FromMilliseconds(250) };

    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false });
    private SampleBackendHandle? _bad;
    private SampleBackendHandle? _good;

    public async Task InitializeAsync()
    {
        _bad = await SampleBackend.StartAsync(new SampleBackendOptions { Port = 0, Address = "127.0.0.1", Version = "bad" }).DefaultTimeout();
        _good = await SampleBackend.StartAsync(new SampleBackendOptions { Port = 0, Address = "127.0.0.1", Version = "good" }).DefaultTimeout();
        _bad.Faults.Add("inventory.v1.InventoryService/GetItem:status=UNAVAILABLE");
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        if (_bad is not null)
        {
            await _bad.DisposeAsync();
        }

        if (_good is not null)
        {
            await _good.DisposeAsync();
        }
    }

    [Fact]
    public async Task EjectedHosts_ReloadRemovesEjectedDestination_DropsToZero()
    {
        await using var sidecar = await ReloadingSidecar.StartAsync(Config("r1", withBad: true), Reloads, output);
        await EjectBadAsync(sidecar);

        await ReloadAsync(sidecar, Config("r2", withBad: false));

        var samples = await ScrapeAsync(sidecar);
        Assert.Equal(0, Sum(samples, "meshproxy_outlier_ejected_hosts", ("cluster", "flaky")));
        Assert.Equal(0, Sum(samples, "meshproxy_cluster_endpoints", ("cluster", "flaky"), ("state", "ejected")));
        Assert.Equal(1, Sum(samples, "meshproxy_cluster_endpoints", ("cluster", "flaky"), ("state", "active")));
        Assert.Equal(1, Sum(samples, "meshproxy_outlier_ejections_total", ("cluster", "flaky")));
    }

    [Fact]
    public async Task EjectedHosts_ReloadKeepsEjectedDestination_StaysOne()
    {
        await using var sidecar = await ReloadingSidecar.StartAsync(Config("k1", withBad: true), Reloads, output);
        await EjectBadAsync(sidecar);

        await ReloadAsync(sidecar, Config("k2", withBad: true));

        var samples = await ScrapeAsync(sidecar);
        Assert.Equal(1, Sum(samples, "meshproxy_outlier_ejected_hosts", ("cluster", "flaky")));
        Assert.Equal(1, Sum(samples, "meshproxy_cluster_endpoints", ("cluster", "flaky"), ("state", "ejected")));
        Assert.Equal(0, Sum(samples, "meshproxy_cluster_endpoints", ("cluster", "flaky"), ("state", "active")));
    }

    // The bad destination alone takes the route's calls until five UNAVAILABLE in a row eject it (the good one is
    // in another cluster until a reload moves it in), so the ejection does not depend on how picks fall.
    private string Config(string version, bool withBad) => $$"""
        version: "{{version}}"
        listeners:
          grpc:  { address: 127.0.0.1, port: 0 }
          rest:  { address: 127.0.0.1, port: 0 }
          ops:   { address: 127.0.0.1, port: 0 }
          admin: { address: 127.0.0.1, port: 0 }
        routes:
          - name: inventory
            match: { method: /inventory.v1.InventoryService/* }
            cluster: flaky
            retry: { maxAttempts: 1 }
          - name: other
            match: { prefix: / }
            cluster: spare
        clusters:
          flaky:
            destinations:
              {{(withBad ? $"- {{ name: bad, address: \"http://127.0.0.1:{_bad!.Port}\" }}" : $"- {{ name: good, address: \"http://127.0.0.1:{_good!.Port}\" }}")}}
            outlierDetection: { consecutiveGatewayFailures: 5, baseEjectionTime: 1h, maxEjectionTime: 1h, maxEjectionPercent: 100, panicThreshold: 0 }
          spare:
            destinations: [ { name: good, address: "http://127.0.0.1:{{_good!.Port}}" } ]
        """;

    private async Task EjectBadAsync(ReloadingSidecar sidecar)
    {
        using var grpc = GrpcHttp.CreateClient();
        for (var i = 0; i < 5; i++)
        {
            using var response = await grpc.SendAsync(GrpcHttp.UnaryRequest(sidecar.GrpcAddress, "/inventory.v1.InventoryService/GetItem")).DefaultTimeout();
            await response.Content.ReadAsByteArrayAsync().DefaultTimeout();
            Assert.Equal("14", GrpcHttp.Status(response));
        }

        var samples = await ScrapeUntilAsync(sidecar, s => Sum(s, "meshproxy_outlier_ejected_hosts", ("cluster", "flaky")) == 1);
        Assert.Equal(1, Sum(samples, "meshproxy_outlier_ejected_hosts", ("cluster", "flaky")));
        Assert.Equal(5, _bad!.CallCount("/inventory.v1.InventoryService/GetItem"));
    }

    private static async Task ReloadAsync(ReloadingSidecar sidecar, string yaml)
    {
        var generation = sidecar.Reloader.Status!.Generation;
        await sidecar.WriteConfigAsync(yaml);
        var status = await sidecar.WaitForAsync(s => s.Generation > generation);
        Assert.Equal(generation + 1, status.Generation);
    }

    private Task<IReadOnlyList<MetricsSample>> ScrapeAsync(ReloadingSidecar sidecar) => ScrapeUntilAsync(sidecar, _ => true);

    private Task<IReadOnlyList<MetricsSample>> ScrapeUntilAsync(ReloadingSidecar sidecar, Func<IReadOnlyList<MetricsSample>, bool> settled) =>
        MetricsSample.ScrapeUntilAsync(_http, sidecar.Proxy.Address(ListenerName.Ops), settled);
}
