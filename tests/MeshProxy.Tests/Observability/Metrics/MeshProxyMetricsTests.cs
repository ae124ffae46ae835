using System.Text;
using System.Text.RegularExpressions;
using MeshProxy.Configuration.Reload;
using MeshProxy.Grpc;
using MeshProxy.Observability.Metrics;
using MeshProxy.Routing;
using MeshProxy.TestSupport;
using Prometheus;

namespace MeshProxy.Tests.Observability.Metrics;

/// <summary>What a scraper reads after known events: names, labels, help, buckets and both formats, per sidecar.</summary>
public sealed class MeshProxyMetricsTests : IDisposable
{
    private static readonly TimeSpan Fast = TimeSpan.FromMilliseconds(0.7);

    private readonly ProxySnapshotProvider _snapshots = new(new Random(1), TimeProvider.System, TimeSpan.FromSeconds(10));
    private readonly MeshProxyMetrics _metrics;

    public MeshProxyMetricsTests()
    {
        _metrics = new MeshProxyMetrics(_snapshots);
        Apply(Yaml("users", "stable", "canary"));
    }

    public void Dispose() => _snapshots.Dispose();

    [Fact]
    public async Task Calls_Text_CountedByProtocolRouteClusterAndStatus()
    {
        _metrics.RequestStarted(CallProtocol.Grpc);
        _metrics.RequestStarted(CallProtocol.Grpc);
        _metrics.RequestStarted(CallProtocol.Rest);
        _metrics.RequestEnded(CallProtocol.Grpc, "users", "stable", StatusCode.OK, Fast);
        _metrics.RequestEnded(CallProtocol.Grpc, "users", "stable", StatusCode.OK, Fast);
        _metrics.RequestEnded(CallProtocol.Rest, "users", "canary", StatusCode.NotFound, Fast);
        _metrics.RequestStarted(CallProtocol.Rest);

        var text = await MetricsScrape.TextAsync(_metrics);

        Assert.Contains(
            "# HELP meshproxy_requests_total Calls by final outcome, counted once at stream end with the grpc-status the caller got.\n"
            + "# TYPE meshproxy_requests_total counter\n",
            text,
            StringComparison.Ordinal);
        Assert.Equal(
            [
                "meshproxy_requests_total{protocol=\"grpc\",route=\"users\",cluster=\"stable\",grpc_status=\"OK\"} 2",
                "meshproxy_requests_total{protocol=\"rest\",route=\"users\",cluster=\"canary\",grpc_status=\"NOT_FOUND\"} 1",
            ],
            Samples(text, "meshproxy_requests_total").Order(StringComparer.Ordinal));
        Assert.Equal(
            ["meshproxy_requests_active{protocol=\"grpc\"} 0", "meshproxy_requests_active{protocol=\"rest\"} 1"],
            Samples(text, "meshproxy_requests_active").Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Histogram_Text_DocumentedBucketsCumulativeWithCountAndSum()
    {
        _metrics.RecordAttempt("users", "stable", "v1-a", StatusCode.OK, Fast);
        _metrics.RecordAttempt("users", "stable", "v1-a", StatusCode.OK, TimeSpan.FromSeconds(20));

        var text = await MetricsScrape.TextAsync(_metrics);

        const string Labels = "route=\"users\",cluster=\"stable\",backend=\"v1-a\",grpc_status=\"OK\"";
        var buckets = Samples(text, "meshproxy_upstream_attempt_duration_seconds_bucket").ToArray();
        Assert.Equal(
            ["0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "30", "60", "300", "+Inf"],
            buckets.Select(b => Regex.Match(b, "le=\"([^\"]+)\"").Groups[1].Value));
        Assert.Contains($"meshproxy_upstream_attempt_duration_seconds_bucket{{{Labels},le=\"0.0005\"}} 0", buckets);
        Assert.Contains($"meshproxy_upstream_attempt_duration_seconds_bucket{{{Labels},le=\"0.001\"}} 1", buckets);
        Assert.Contains($"meshproxy_upstream_attempt_duration_seconds_bucket{{{Labels},le=\"10\"}} 1", buckets);
        Assert.Contains($"meshproxy_upstream_attempt_duration_seconds_bucket{{{Labels},le=\"30\"}} 2", buckets);
        Assert.Contains($"meshproxy_upstream_attempt_duration_seconds_bucket{{{Labels},le=\"+Inf\"}} 2", buckets);
        Assert.Contains($"meshproxy_upstream_attempt_duration_seconds_count{{{Labels}}} 2\n", text, StringComparison.Ordinal);
        Assert.Contains($"meshproxy_upstream_attempt_duration_seconds_sum{{{Labels}}} 20.0007\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exposition_OpenMetrics_CounterFamilyWithoutTotalAndEof()
    {
        _metrics.RequestEnded(CallProtocol.Grpc, "users", "stable", StatusCode.OK, Fast);
        _metrics.RequestEnded(CallProtocol.Grpc, "users", "stable", StatusCode.OK, Fast);

        var text = await MetricsScrape.TextAsync(_metrics, ExpositionFormat.OpenMetricsText);

        Assert.Contains("# HELP meshproxy_requests Calls by final outcome", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE meshproxy_requests counter\n", text, StringComparison.Ordinal);
        Assert.Contains("meshproxy_requests_total{protocol=\"grpc\",route=\"users\",cluster=\"stable\",grpc_status=\"OK\"} 2.0\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE meshproxy_build_info gauge\n", text, StringComparison.Ordinal);
        Assert.EndsWith("# EOF\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Families_NothingRecorded_DescribedWithoutZeroSeries()
    {
        var text = await MetricsScrape.TextAsync(_metrics);

        Assert.Contains("# TYPE meshproxy_requests_total counter\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE meshproxy_request_duration_seconds histogram\n", text, StringComparison.Ordinal);
        Assert.Empty(Samples(text, "meshproxy_requests_total"));
        Assert.Empty(Samples(text, "meshproxy_request_duration_seconds_count"));
        Assert.Empty(Samples(text, "meshproxy_retries_total"));
        Assert.Empty(Samples(text, "meshproxy_config_info"));
        Assert.Contains("meshproxy_access_log_dropped_total 0\n", text, StringComparison.Ordinal);
        Assert.Matches("\nmeshproxy_build_info\\{version=\"[^\"]+\",runtime=\"[^\"]+\"\\} 1\n", text);
    }

    [Fact]
    public async Task Help_EveryFamily_NeedsNoEscaping()
    {
        // prometheus-net writes help texts as they are; a quote or backslash would break OpenMetrics parsers.
        var help = (await MetricsScrape.TextAsync(_metrics)).Split('\n').Where(line => line.StartsWith("# HELP ", StringComparison.Ordinal)).ToArray();

        Assert.Equal(22, help.Length);
        Assert.All(help, line => Assert.DoesNotMatch("[\"\\\\]", line));
    }

    [Fact]
    public async Task Calls_NamesNotInTheLiveSnapshot_CountedAllTheSame()
    {
        // Unrouted (answered UNIMPLEMENTED by the proxy), and a call that began before a reload removed its route.
        _metrics.RequestEnded(CallProtocol.Grpc, string.Empty, string.Empty, StatusCode.Unimplemented, Fast);
        _metrics.RequestEnded(CallProtocol.Grpc, "gone", "old", StatusCode.Unavailable, Fast);
        _metrics.RecordAttempt("gone", "old", "old-a", StatusCode.Unavailable, Fast);
        _metrics.RecordAttempt("users", "stable", "removed-destination", StatusCode.OK, Fast);

        var text = await MetricsScrape.TextAsync(_metrics);

        Assert.Contains("meshproxy_requests_total{protocol=\"grpc\",route=\"\",cluster=\"\",grpc_status=\"UNIMPLEMENTED\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("meshproxy_requests_total{protocol=\"grpc\",route=\"gone\",cluster=\"old\",grpc_status=\"UNAVAILABLE\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("meshproxy_upstream_attempt_duration_seconds_count{route=\"gone\",cluster=\"old\",backend=\"old-a\",grpc_status=\"UNAVAILABLE\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("meshproxy_upstream_attempt_duration_seconds_count{route=\"users\",cluster=\"stable\",backend=\"removed-destination\",grpc_status=\"OK\"} 1\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reload_RoutesReplaced_NewNamesCountedAndGoneWeightsDropped()
    {
        _metrics.RequestEnded(CallProtocol.Grpc, "users", "stable", StatusCode.OK, Fast);
        Apply(Yaml("orders", "stable", "blue"));
        _metrics.RequestEnded(CallProtocol.Grpc, "orders", "blue", StatusCode.OK, Fast);
        _metrics.RequestEnded(CallProtocol.Grpc, "users", "stable", StatusCode.OK, Fast);

        var text = await MetricsScrape.TextAsync(_metrics);

        Assert.Contains("meshproxy_requests_total{protocol=\"grpc\",route=\"users\",cluster=\"stable\",grpc_status=\"OK\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("meshproxy_requests_total{protocol=\"grpc\",route=\"orders\",cluster=\"blue\",grpc_status=\"OK\"} 1\n", text, StringComparison.Ordinal);
        Assert.Equal(
            ["meshproxy_route_backend_weight{route=\"orders\",cluster=\"blue\"} 10", "meshproxy_route_backend_weight{route=\"orders\",cluster=\"stable\"} 90"],
            Samples(text, "meshproxy_route_backend_weight").Order(StringComparer.Ordinal));
        Assert.DoesNotContain("cluster=\"canary\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_OutsideTheCanonicalCodes_IsUnknown()
    {
        _metrics.RequestEnded(CallProtocol.Grpc, "users", "stable", (StatusCode)42, Fast);

        var text = await MetricsScrape.TextAsync(_metrics);

        Assert.Contains("meshproxy_requests_total{protocol=\"grpc\",route=\"users\",cluster=\"stable\",grpc_status=\"UNKNOWN\"} 1\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Transcoding_ByRouteAndHttpStatus()
    {
        _metrics.RecordTranscoding("users", 200);
        _metrics.RecordTranscoding("users", 200);
        _metrics.RecordTranscoding("users", 404);
        _metrics.RecordTranscoding("gone", 503);
        _metrics.RecordTranscodingError(string.Empty, "route");

        var text = await MetricsScrape.TextAsync(_metrics);

        Assert.Equal(
            [
                "meshproxy_transcoding_requests_total{route=\"gone\",http_status=\"503\"} 1",
                "meshproxy_transcoding_requests_total{route=\"users\",http_status=\"200\"} 2",
                "meshproxy_transcoding_requests_total{route=\"users\",http_status=\"404\"} 1",
            ],
            Samples(text, "meshproxy_transcoding_requests_total").Order(StringComparer.Ordinal));
        Assert.Contains("meshproxy_transcoding_errors_total{route=\"\",stage=\"route\"} 1\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Calls_ConcurrentFirstRecordings_LoseNothing()
    {
        Apply(Yaml("users", "stable", "canary"));
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                _metrics.RequestEnded(CallProtocol.Grpc, "users", i % 2 == 0 ? "stable" : "canary", (StatusCode)(i % 3), Fast);
            }
        }))).DefaultTimeout();

        var text = await MetricsScrape.TextAsync(_metrics);

        Assert.Contains("meshproxy_requests_total{protocol=\"grpc\",route=\"users\",cluster=\"stable\",grpc_status=\"OK\"} 6668\n", text, StringComparison.Ordinal);
        Assert.Contains("meshproxy_requests_total{protocol=\"grpc\",route=\"users\",cluster=\"canary\",grpc_status=\"CANCELLED\"} 6668\n", text, StringComparison.Ordinal);
        Assert.Contains("meshproxy_request_duration_seconds_count{protocol=\"grpc\",route=\"users\",cluster=\"stable\",grpc_status=\"UNKNOWN\"} 6668\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoSidecars_InOneProcess_EachScrapesOnlyItsOwnCalls()
    {
        using var otherSnapshots = new ProxySnapshotProvider(new Random(2), TimeProvider.System, TimeSpan.FromSeconds(10));
        var other = new MeshProxyMetrics(otherSnapshots);
        other.RequestEnded(CallProtocol.Grpc, "elsewhere", "x", StatusCode.OK, Fast);
        _metrics.RequestEnded(CallProtocol.Grpc, "users", "stable", StatusCode.OK, Fast);

        var ours = await MetricsScrape.TextAsync(_metrics);
        var theirs = await MetricsScrape.TextAsync(other);

        Assert.DoesNotContain("elsewhere", ours, StringComparison.Ordinal);
        Assert.DoesNotContain("route=\"users\"", theirs, StringComparison.Ordinal);
        Assert.Single(Samples(theirs, "meshproxy_requests_total"));
    }

    /// <summary>The sample lines of one metric (name followed by labels or a space).</summary>
    private static IEnumerable<string> Samples(string text, string name) =>
        text.Split('\n').Where(line => line.StartsWith(name + "{", StringComparison.Ordinal) || line.StartsWith(name + " ", StringComparison.Ordinal));

    private void Apply(string yaml) => _snapshots.Apply(ConfigReloader.Load(Encoding.UTF8.GetBytes(yaml)).Config!);

    private static string Yaml(string route, string first, string second) => $$"""
        routes:
          - name: {{route}}
            match: { method: /a.B/C }
            backends: [ { cluster: {{first}}, weight: 90 }, { cluster: {{second}}, weight: 10 } ]
        clusters:
          {{first}}: { destinations: [ { name: v1-a, address: "http://127.0.0.1:1" } ] }
          {{second}}: { destinations: [ { name: v1-b, address: "http://127.0.0.1:2" } ] }
        """;
}
