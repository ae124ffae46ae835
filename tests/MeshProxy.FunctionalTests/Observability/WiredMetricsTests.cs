using System.Text.Json;
using Grpc.Core;
using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.Samples.Users.V1;
using MeshProxy.TestSupport;
using static MeshProxy.FunctionalTests.Observability.MetricsSample;

namespace MeshProxy.FunctionalTests.Observability;

/// <summary>
/// The metrics hooks of retries and outlier ejection, and the admin /config sections, through a real sidecar with
/// fault-injecting sample backends.
/// </summary>
public sealed class WiredMetricsTests : IAsyncLifetime
{
    private readonly WiredMetricsStack _stack = new();
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false });

    public Task InitializeAsync() => _stack.InitializeAsync();

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _stack.DisposeAsync();
    }

    [Fact]
    public async Task Retry_FirstAttemptUnavailable_CountsOneRetryAndOneRetrySuccess()
    {
        _stack.Backends[0].Faults.Add("users.v1.UserService/GetUser:status=UNAVAILABLE,first=1");

        using var call = _stack.Users.GetUserAsync(new GetUserRequest { UserId = "u-1001" });
        await call.ResponseAsync.DefaultTimeout();

        var samples = await ScrapeUntilAsync(s => Sum(s, "meshproxy_requests_total", ("route", "users")) == 1);
        Assert.Equal(1, Sum(samples, "meshproxy_retries_total", ("route", "users"), ("cluster", "retrying"), ("reason", "unavailable")));
        Assert.Equal(1, Sum(samples, "meshproxy_retry_successes_total", ("route", "users")));
        Assert.Equal(0, Sum(samples, "meshproxy_retry_budget_exhausted_total"));
        Assert.Equal(1, Sum(samples, "meshproxy_upstream_attempt_duration_seconds_count", ("route", "users"), ("grpc_status", "UNAVAILABLE")));
        Assert.Equal(1, Sum(samples, "meshproxy_upstream_attempt_duration_seconds_count", ("route", "users"), ("grpc_status", "OK")));
        Assert.Equal(2, _stack.Backends[0].CallCount("/users.v1.UserService/GetUser"));
    }

    [Fact]
    public async Task Ejection_FiveUnavailableInARow_CountsOneEjectionAndOneEjectedHost()
    {
        _stack.Backends[1].Faults.Add("inventory.v1.InventoryService/GetItem:status=UNAVAILABLE");
        using var grpc = GrpcHttp.CreateClient();
        for (var i = 0; i < 5; i++)
        {
            using var response = await grpc.SendAsync(GrpcHttp.UnaryRequest(_stack.GrpcAddress, "/inventory.v1.InventoryService/GetItem")).DefaultTimeout();
            await response.Content.ReadAsByteArrayAsync().DefaultTimeout();
            Assert.Equal("14", GrpcHttp.Status(response));
        }

        await ScrapeUntilAsync(s => Sum(s, "meshproxy_requests_total", ("route", "inventory")) == 5 && Sum(s, "meshproxy_outlier_ejections_total") == 1);

        // The fifth call ejects as it ends, perhaps while that scrape was being taken: read the gauges from one that
        // began after it.
        var samples = await ScrapeUntilAsync(_ => true);
        Assert.Equal(1, Sum(samples, "meshproxy_outlier_ejections_total", ("cluster", "flaky")));
        Assert.Equal(1, Sum(samples, "meshproxy_outlier_ejected_hosts", ("cluster", "flaky")));
        Assert.Equal(1, Sum(samples, "meshproxy_cluster_endpoints", ("cluster", "flaky"), ("state", "ejected")));
        Assert.Equal(0, Sum(samples, "meshproxy_outlier_ejected_hosts", ("cluster", "retrying")));
        Assert.Equal(0, Sum(samples, "meshproxy_retries_total"));
    }

    [Fact]
    public async Task AdminConfig_Sections_ShowRetryBudgetOutlierHealthAccessLogAndTracing()
    {
        using var document = JsonDocument.Parse(await _http.GetStringAsync(new Uri(_stack.AdminAddress, "/config")).DefaultTimeout());
        var root = document.RootElement;

        var users = root.GetProperty("routes").EnumerateArray().Single(r => r.GetProperty("name").GetString() == "users");
        var retry = users.GetProperty("retry");
        Assert.Equal(2, retry.GetProperty("maxAttempts").GetInt32());
        Assert.Equal(["unavailable"], retry.GetProperty("retryOn").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("1ms", retry.GetProperty("backoff").GetProperty("base").GetString());
        var inventory = root.GetProperty("routes").EnumerateArray().Single(r => r.GetProperty("name").GetString() == "inventory");
        Assert.Equal(1, inventory.GetProperty("retry").GetProperty("maxAttempts").GetInt32());

        var clusters = root.GetProperty("clusters");
        var budget = clusters.GetProperty("retrying").GetProperty("retryBudget");
        Assert.Equal(50, budget.GetProperty("percent").GetInt32());
        Assert.Equal(7, budget.GetProperty("minConcurrency").GetInt32());
        Assert.False(clusters.GetProperty("retrying").TryGetProperty("healthCheck", out _));
        var flaky = clusters.GetProperty("flaky");
        Assert.Equal(100, flaky.GetProperty("outlierDetection").GetProperty("maxEjectionPercent").GetInt32());
        Assert.Equal(0, flaky.GetProperty("outlierDetection").GetProperty("panicThreshold").GetInt32());
        Assert.Equal("1h", flaky.GetProperty("healthCheck").GetProperty("interval").GetString());
        Assert.Equal(string.Empty, flaky.GetProperty("healthCheck").GetProperty("grpc").GetProperty("service").GetString());

        Assert.Equal(0.5, root.GetProperty("accessLog").GetProperty("sampleRate").GetDouble());
        Assert.False(root.GetProperty("accessLog").GetProperty("enabled").GetBoolean());
        Assert.Equal(0.25, root.GetProperty("tracing").GetProperty("sampleRate").GetDouble());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("tracing").GetProperty("otlpEndpoint").ValueKind);
    }

    /// <summary>Scrapes until <paramref name="settled"/> holds and no call is active, bounded.</summary>
    private Task<IReadOnlyList<MetricsSample>> ScrapeUntilAsync(Func<IReadOnlyList<MetricsSample>, bool> settled) =>
        MetricsSample.ScrapeUntilAsync(_http, _stack.OpsAddress, s => settled(s) && Sum(s, "meshproxy_requests_active") == 0);
}
