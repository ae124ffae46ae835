using System.Net;
using System.Text.Json;
using MeshProxy.FunctionalTests.Observability;
using MeshProxy.FunctionalTests.TrafficPolicy.Retries;
using MeshProxy.Grpc;
using MeshProxy.TestSupport;
using Xunit.Abstractions;
using static MeshProxy.FunctionalTests.TrafficPolicy.Overload.OverloadStack;

namespace MeshProxy.FunctionalTests.TrafficPolicy.Overload;

/// <summary>
/// Local rate limits through a real sidecar. The token bucket reads the real clock (System.Threading.RateLimiting takes
/// no TimeProvider), so a bucket that must stay empty fills once an hour, and a refill is awaited through the live
/// limiter's token count rather than a sleep.
/// </summary>
public sealed class RateLimitTests(ITestOutputHelper output)
{
    private static string Config(string rateLimit, string extra = "") => $$"""
        routes:
          - name: users
            match: { method: /users.v1.UserService/* }
            cluster: users
            rateLimit: {{rateLimit}}
        {{extra}}
        clusters:
          users:
            destinations:
              - { address: "{ok}", name: ok }
        """;

    [Fact]
    public async Task RateLimit_PastTheBurst_ResourceExhaustedWithRetryAfterAndNeverForwarded()
    {
        await using var ok = await OkAsync();
        await using var stack = await StartAsync(output, Config("{ maxTokens: 2, fillInterval: 1h }"), ok);

        Assert.Equal("0", (await stack.CallAsync()).Status);
        Assert.Equal("0", (await stack.CallAsync()).Status);
        var refused = await stack.CallAsync();

        Assert.Equal("8", refused.Status);
        Assert.Contains("local rate limit of route users", GrpcMessageEncoding.Decode(refused.Header("grpc-message")!), StringComparison.Ordinal);
        Assert.InRange(long.Parse(refused.Header("retry-after")!, System.Globalization.CultureInfo.InvariantCulture), 1, 3600);
        Assert.Null(refused.Header("x-meshproxy-overloaded"));
        Assert.Equal(2, ok.Calls.Count);

        var samples = await stack.ScrapeUntilAsync(s => MetricsSample.Sum(s, "meshproxy_rate_limited_total", ("route", "users")) == 1);
        Assert.Equal(1, MetricsSample.Sum(samples, "meshproxy_rate_limited_total", ("route", "users")));
        using var clusters = await stack.AdminAsync("/clusters");
        var limit = clusters.RootElement.GetProperty("routes")[0].GetProperty("rateLimit");
        Assert.Equal(2, limit.GetProperty("maxTokens").GetInt32());
        Assert.Equal("1h", limit.GetProperty("fillInterval").GetString());
        Assert.Equal(0, limit.GetProperty("availableTokens").GetInt32());
    }

    [Fact]
    public async Task RateLimit_AfterARefusal_TheBucketRefillsAndAdmitsAgain()
    {
        await using var ok = await OkAsync();
        await using var stack = await StartAsync(output, Config("{ maxTokens: 1, fillInterval: 1s }"), ok);

        // Eight calls at once against one token: some are refused whatever the fill's phase.
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => stack.CallAsync()));
        Assert.Contains(results, r => r.Status == "8");
        Assert.All(results, r => Assert.Contains(r.Status, new[] { "0", "8" }));
        var forwarded = ok.Calls.Count;
        Assert.Equal(results.Count(r => r.Status == "0"), forwarded);

        await WaitUntilAsync(() => stack.RateLimit("users").AvailableTokens == 1);
        Assert.Equal("0", (await stack.CallAsync()).Status);
        Assert.Equal(forwarded + 1, ok.Calls.Count);
    }

    [Fact]
    public async Task RateLimit_ReloadKeepingIt_EmptyBucketStays_ChangedLimitStartsFull()
    {
        await using var ok = await OkAsync();
        await using var stack = await StartAsync(output, Config("{ maxTokens: 1, fillInterval: 1h }"), ok);
        Assert.Equal("0", (await stack.CallAsync()).Status);

        stack.Reload(Config("{ maxTokens: 1, fillInterval: 1h }").Replace("    cluster: users", "    cluster: users\n    timeout: 30s", StringComparison.Ordinal));
        Assert.Equal("8", (await stack.CallAsync()).Status);

        stack.Reload(Config("{ maxTokens: 2, fillInterval: 1h }"));
        Assert.Equal("0", (await stack.CallAsync()).Status);
        Assert.Equal(2, ok.Calls.Count);
        using var config = await stack.AdminAsync("/config");
        Assert.Equal(2, config.RootElement.GetProperty("routes")[0].GetProperty("rateLimit").GetProperty("maxTokens").GetInt32());
    }

    [Fact]
    public async Task RateLimit_Rest_429WithStatusBodyAndRetryAfter()
    {
        await using var ok = await OkAsync();
        await using var stack = await StartAsync(output, Config("{ maxTokens: 1, fillInterval: 1h }"), ok);
        Assert.Equal("0", (await stack.CallAsync()).Status);

        using var response = await stack.RestGetUserAsync();

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter?.Delta);
        Assert.InRange(response.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync().DefaultTimeout());
        Assert.Equal(8, body.RootElement.GetProperty("code").GetInt32());
        Assert.Contains("local rate limit of route users", body.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Single(ok.Calls);
    }

    private static Task<ScriptedBackend> OkAsync() =>
        ScriptedBackend.StartAsync("ok", (context, _) => ScriptedBackend.MessageThenStatusAsync(context, [], StatusCode.OK)).DefaultTimeout();
}
