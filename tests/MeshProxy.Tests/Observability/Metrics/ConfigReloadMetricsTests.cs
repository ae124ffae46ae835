using System.Globalization;
using System.Text;
using MeshProxy.Configuration.Reload;
using MeshProxy.Observability.Metrics;
using MeshProxy.Routing;
using MeshProxy.TestSupport;
using MeshProxy.Tests.Configuration.Reload;
using Microsoft.Extensions.Time.Testing;

namespace MeshProxy.Tests.Observability.Metrics;

public sealed class ConfigReloadMetricsTests : IDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly ProxySnapshotProvider _snapshots;
    private readonly MeshProxyMetrics _metrics;
    private readonly ConfigReloader _reloader;

    public ConfigReloadMetricsTests()
    {
        _snapshots = new ProxySnapshotProvider(new Random(1), _time, TimeSpan.FromSeconds(10));
        _metrics = new MeshProxyMetrics(_snapshots);
        _reloader = new ConfigReloader(_snapshots, _time, new CapturingLogger<ConfigReloader>(), _metrics);
        var first = Encoding.UTF8.GetBytes(Yaml("v1", 90));
        _reloader.Start(ConfigReloader.Load(first).Config!, ConfigReloader.Hash(first));
    }

    public void Dispose() => _snapshots.Dispose();

    [Fact]
    public async Task Start_FirstConfig_InfoAndWeightsWithoutCountingAReload()
    {
        var text = await MetricsScrape.TextAsync(_metrics);

        Assert.Contains("meshproxy_config_info{version=\"v1\",generation=\"1\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("meshproxy_config_last_reload_successful 1\n", text, StringComparison.Ordinal);
        Assert.Contains($"meshproxy_config_last_reload_success_timestamp_seconds {_time.GetUtcNow().ToUnixTimeSeconds()}\n", text, StringComparison.Ordinal);
        Assert.Contains("meshproxy_route_backend_weight{route=\"r\",cluster=\"a\"} 90\n", text, StringComparison.Ordinal);
        Assert.Contains("meshproxy_route_backend_weight{route=\"r\",cluster=\"b\"} 10\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("meshproxy_config_reloads_total{", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reload_AppliedThenRefused_CountedByResultAndLastReloadFailed()
    {
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(ConfigReloadOutcome.Applied, _reloader.Reload(Encoding.UTF8.GetBytes(Yaml("v2", 50))));
        var appliedAt = _time.GetUtcNow().ToUnixTimeSeconds();
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(ConfigReloadOutcome.Refused, _reloader.Reload(Encoding.UTF8.GetBytes("routes: [ nope")));

        var text = await MetricsScrape.TextAsync(_metrics);

        Assert.Contains("meshproxy_config_reloads_total{result=\"applied\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("meshproxy_config_reloads_total{result=\"refused\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("meshproxy_config_last_reload_successful 0\n", text, StringComparison.Ordinal);
        Assert.Contains($"meshproxy_config_last_reload_success_timestamp_seconds {appliedAt.ToString(CultureInfo.InvariantCulture)}\n", text, StringComparison.Ordinal);
        Assert.Contains("meshproxy_config_info{version=\"v2\",generation=\"2\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("meshproxy_route_backend_weight{route=\"r\",cluster=\"b\"} 50\n", text, StringComparison.Ordinal);
    }

    private static string Yaml(string version, int weightA) => $$"""
        version: {{version}}
        routes:
          - name: r
            match: { method: /a.B/C }
            backends: [ { cluster: a, weight: {{weightA}} }, { cluster: b, weight: {{100 - weightA}} } ]
        clusters:
          a: { destinations: [ { address: "http://127.0.0.1:1" } ] }
          b: { destinations: [ { address: "http://127.0.0.1:2" } ] }
        """;
}
