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

    // gRPC-Web (PROTOCOL-WEB.md) carries a refusal as a Trailers-Only reply: grpc-status in the headers and a body with
    // no frame, which gRPC-Web clients read as the call's status; a trailer frame, if any, may only agree with it.
    [Theory]
    [InlineData("application/grpc-web")]
    [InlineData("application/grpc-web-text")]
    public async Task RateLimit_GrpcWeb_ResourceExhaustedInTheHeadersWithRetryAfter(string contentType)
    {
        await using var ok = await OkAsync();
        await using var stack = await StartAsync(output, Config("{ maxTokens: 1, fillInterval: 1h }"), ok);
        Assert.Equal("0", (await stack.CallAsync()).Status);

        var (response, status, trailers) = await stack.GrpcWebGetUserAsync(contentType);
        using (response)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(contentType, response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("8", status);
            Assert.Equal("8", response.Headers.GetValues("grpc-status").Single());
            Assert.True(!trailers.TryGetValue("grpc-status", out var framed) || framed == "8", "the trailer frame disagrees with the headers");
            Assert.Contains("local rate limit of route users", GrpcMessageEncoding.Decode(response.Headers.GetValues("grpc-message").Single()), StringComparison.Ordinal);
            Assert.InRange(long.Parse(response.Headers.GetValues("retry-after").Single(), System.Globalization.CultureInfo.InvariantCulture), 1, 3600);
        }

        Assert.Single(ok.Calls);
    }

    // A refused call counts once in meshproxy_requests_total under its route and cluster, as a forwarded call does
    // (it used to count under empty labels), on the gRPC and the REST path; the REST one in the transcoding count too.
    [Fact]
    public async Task RateLimit_RefusedCalls_CountInRequestsTotalUnderTheirRouteAndCluster()
    {
        await using var ok = await OkAsync();
        await using var stack = await StartAsync(output, Config("{ maxTokens: 1, fillInterval: 1h }"), ok);
        Assert.Equal("0", (await stack.CallAsync()).Status);

        Assert.Equal("8", (await stack.CallAsync()).Status);
        using (var rest = await stack.RestGetUserAsync())
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, rest.StatusCode);
        }

        var samples = await stack.ScrapeUntilAsync(s => Refused(s, "rest") == 1);
        Assert.Equal(1, Refused(samples, "grpc"));
        Assert.Equal(1, Refused(samples, "rest"));
        Assert.Equal(0, MetricsSample.Sum(samples, "meshproxy_requests_total", ("route", string.Empty)));
        Assert.Equal(1, MetricsSample.Sum(samples, "meshproxy_transcoding_requests_total", ("route", "users"), ("http_status", "429")));
    }

    private static double Refused(IReadOnlyList<MetricsSample> samples, string protocol) =>
        MetricsSample.Sum(samples, "meshproxy_requests_total", ("protocol", protocol), ("route", "users"), ("cluster", "users"), ("grpc_status", "RESOURCE_EXHAUSTED"));

    private static Task<ScriptedBackend> OkAsync() =>
        ScriptedBackend.StartAsync("ok", (context, _) => ScriptedBackend.MessageThenStatusAsync(context, [], StatusCode.OK)).DefaultTimeout();
}
