using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Grpc.Core;
using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.Samples.Users.V1;
using MeshProxy.TestSupport;
using static MeshProxy.FunctionalTests.Observability.MetricsSample;

namespace MeshProxy.FunctionalTests.Observability;

/// <summary>
/// Known traffic through a real sidecar, then <c>/metrics</c> scraped over a socket: exact counts per outcome, and the
/// exposition checked by promtool and scraped by a real Prometheus server.
/// </summary>
public sealed class MetricsTests : IAsyncLifetime
{
    private const int Ok = 5;
    private const int NotFound = 3;
    private const int Unavailable = 2;
    private const int Unimplemented = 1;

    private readonly MetricsStack _stack = new();
    private readonly HttpClient _http = new();

    public Task InitializeAsync() => _stack.InitializeAsync();

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _stack.DisposeAsync();
    }

    [Fact]
    public async Task Requests_KnownOutcomes_CountedOncePerFinalStatus()
    {
        await SendKnownTrafficAsync();

        var samples = await ScrapeSettledAsync();

        Assert.Equal(Ok, Sum(samples, "meshproxy_requests_total", ("route", "users"), ("grpc_status", "OK")));
        Assert.Equal(NotFound, Sum(samples, "meshproxy_requests_total", ("route", "users"), ("grpc_status", "NOT_FOUND")));
        Assert.Equal(Unavailable, Sum(samples, "meshproxy_requests_total", ("route", "dead"), ("cluster", "dead"), ("grpc_status", "UNAVAILABLE")));
        Assert.Equal(Unimplemented, Sum(samples, "meshproxy_requests_total", ("route", ""), ("grpc_status", "UNIMPLEMENTED")));
        Assert.Equal(Ok + NotFound + Unavailable + Unimplemented, Sum(samples, "meshproxy_requests_total"));

        // Every call is in the latency histogram once, and the per-destination attempts add up to the routed calls.
        Assert.Equal(Ok + NotFound, Sum(samples, "meshproxy_request_duration_seconds_count", ("route", "users")));
        Assert.Equal(Ok + NotFound, Sum(samples, "meshproxy_request_duration_seconds_bucket", ("route", "users"), ("le", "+Inf")));
        Assert.Equal(
            Ok + NotFound,
            Sum(samples, "meshproxy_upstream_attempt_duration_seconds_count", ("backend", "v1-a")) + Sum(samples, "meshproxy_upstream_attempt_duration_seconds_count", ("backend", "v1-b")));
        Assert.Equal(0, Sum(samples, "meshproxy_requests_active"));
    }

    [Fact]
    public async Task Gauges_LiveConfig_ShowWeightsEndpointsConfigAndBuild()
    {
        await SendKnownTrafficAsync();

        var samples = await ScrapeSettledAsync();

        Assert.Equal(90, Sum(samples, "meshproxy_route_backend_weight", ("route", "users"), ("cluster", "stable")));
        Assert.Equal(10, Sum(samples, "meshproxy_route_backend_weight", ("route", "users"), ("cluster", "canary")));
        Assert.Equal(1, Sum(samples, "meshproxy_cluster_endpoints", ("cluster", "dead"), ("state", "active")));
        Assert.Equal(0, Sum(samples, "meshproxy_cluster_endpoints", ("cluster", "dead"), ("state", "ejected")));
        Assert.Equal(1, Sum(samples, "meshproxy_config_info", ("version", "metrics-test"), ("generation", "1")));
        Assert.Equal(1, Sum(samples, "meshproxy_config_last_reload_successful"));
        var appliedAt = Sum(samples, "meshproxy_config_last_reload_success_timestamp_seconds");
        Assert.InRange(appliedAt, DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeSeconds());
        Assert.Single(samples, s => s.Name == "meshproxy_build_info" && s.Value == 1 && s.Labels.ContainsKey("version"));
        Assert.True(Sum(samples, "meshproxy_connections_total", ("listener", "grpc")) >= 1);
        Assert.True(Sum(samples, "meshproxy_connections_active", ("listener", "ops")) >= 1);
    }

    [Fact]
    public async Task Exposition_Text_AcceptedByPromtool()
    {
        await SendKnownTrafficAsync();
        var text = await ScrapeAsync(accept: null);

        var promtool = await PrometheusTools.PromtoolAsync().DefaultTimeout();
        var result = await ProcessRunner.RunAsync(promtool, ["check", "metrics"], null, TimeSpan.FromSeconds(30), Encoding.UTF8.GetBytes(text)).DefaultTimeout();

        Assert.True(result.ExitCode == 0, $"promtool check metrics exited {result.ExitCode}:\n{result.StandardOutput}\n{result.StandardError}\n--- exposition ---\n{text}");
    }

    [Fact]
    public async Task Exposition_OpenMetrics_NegotiatedByAccept()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_stack.OpsAddress, "/metrics"));
        request.Headers.TryAddWithoutValidation("Accept", "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5");
        using var response = await _http.SendAsync(request).DefaultTimeout();
        var body = await response.Content.ReadAsStringAsync().DefaultTimeout();

        Assert.Equal("application/openmetrics-text", response.Content.Headers.ContentType?.MediaType);
        Assert.EndsWith("# EOF\n", body, StringComparison.Ordinal);
        Assert.Contains("# TYPE meshproxy_requests counter\n", body, StringComparison.Ordinal);
        Assert.Contains("# TYPE meshproxy_build info\n", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prometheus_ScrapesSidecar_PromQlCountsRequests()
    {
        await SendKnownTrafficAsync();
        await ScrapeSettledAsync();
        var prometheus = await PrometheusTools.PrometheusAsync().DefaultTimeout();
        var work = Directory.CreateTempSubdirectory("meshproxy-prom-");
        var port = LoopbackPort.Unused();
        var configPath = Path.Combine(work.FullName, "prometheus.yml");
        await File.WriteAllTextAsync(configPath, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: meshproxy
                static_configs:
                  - targets: ["127.0.0.1:{_stack.OpsAddress.Port}"]
            """);
        using var server = Process.Start(new ProcessStartInfo(prometheus)
        {
            ArgumentList =
            {
                $"--config.file={configPath}",
                $"--storage.tsdb.path={Path.Combine(work.FullName, "data")}",
                $"--web.listen-address=127.0.0.1:{port}",
                "--log.level=warn",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        var log = new StringBuilder();
        server.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        server.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        server.BeginErrorReadLine();
        server.BeginOutputReadLine();
        try
        {
            // Prometheus needs a moment to start and a scrape interval to see the target: poll its API, bounded.
            var query = $"http://127.0.0.1:{port}/api/v1/query?query={Uri.EscapeDataString("sum(meshproxy_requests_total{route=\"users\"})")}";
            var deadline = Stopwatch.StartNew();
            string? last = null;
            while (deadline.Elapsed < TimeSpan.FromSeconds(30))
            {
                last = await TryQueryAsync(query);
                if (last == (Ok + NotFound).ToString(CultureInfo.InvariantCulture))
                {
                    break;
                }

                await Task.Delay(250);
            }

            string output;
            lock (log)
            {
                output = log.ToString();
            }

            Assert.True(last == (Ok + NotFound).ToString(CultureInfo.InvariantCulture), $"PromQL answered {last ?? "nothing"}; prometheus said:\n{output}");

            // Prometheus asks for OpenMetrics first, so the scrape above went through its OpenMetrics parser.
            var up = await TryQueryAsync($"http://127.0.0.1:{port}/api/v1/query?query={Uri.EscapeDataString("up{job=\"meshproxy\"}")}");
            Assert.Equal("1", up);
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync().DefaultTimeout();
            work.Delete(recursive: true);
        }
    }

    private async Task<string?> TryQueryAsync(string query)
    {
        try
        {
            using var document = JsonDocument.Parse(await _http.GetStringAsync(new Uri(query)).DefaultTimeout());
            var result = document.RootElement.GetProperty("data").GetProperty("result");
            return result.GetArrayLength() == 0 ? null : result[0].GetProperty("value")[1].GetString();
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    private async Task SendKnownTrafficAsync()
    {
        for (var i = 0; i < Ok; i++)
        {
            using var call = _stack.Users.GetUserAsync(new GetUserRequest { UserId = "u-1001" });
            await call.ResponseAsync.DefaultTimeout();
        }

        for (var i = 0; i < NotFound; i++)
        {
            using var call = _stack.Users.GetUserAsync(new GetUserRequest { UserId = "nobody" });
            var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync.DefaultTimeout());
            Assert.Equal(StatusCode.NotFound, error.StatusCode);
        }

        using var grpc = GrpcHttp.CreateClient();
        for (var i = 0; i < Unavailable; i++)
        {
            using var response = await grpc.SendAsync(GrpcHttp.UnaryRequest(_stack.GrpcAddress, "/inventory.v1.InventoryService/GetItem")).DefaultTimeout();
            await response.Content.ReadAsByteArrayAsync().DefaultTimeout();
            Assert.Equal("14", GrpcHttp.Status(response));
        }

        using (var response = await grpc.SendAsync(GrpcHttp.UnaryRequest(_stack.GrpcAddress, "/nowhere.v1.Nothing/Call")).DefaultTimeout())
        {
            await response.Content.ReadAsByteArrayAsync().DefaultTimeout();
            Assert.Equal("12", GrpcHttp.Status(response));
        }
    }

    private async Task<string> ScrapeAsync(string? accept)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_stack.OpsAddress, "/metrics"));
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        using var response = await _http.SendAsync(request).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        return await response.Content.ReadAsStringAsync().DefaultTimeout();
    }

    /// <summary>
    /// A scrape once every call has been counted. A caller can read its trailers a moment before the sidecar's
    /// telemetry finishes the call, so scrape until no call is active (bounded), then return that scrape.
    /// </summary>
    private async Task<IReadOnlyList<MetricsSample>> ScrapeSettledAsync()
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var samples = MetricsSample.Parse(await ScrapeAsync(accept: null));
            if (Sum(samples, "meshproxy_requests_active") == 0 || deadline.Elapsed > TimeSpan.FromSeconds(10))
            {
                return samples;
            }

            await Task.Delay(20);
        }
    }
}
