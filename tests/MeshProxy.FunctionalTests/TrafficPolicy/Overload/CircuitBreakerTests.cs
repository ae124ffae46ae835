using MeshProxy.FunctionalTests.Observability;
using MeshProxy.FunctionalTests.TrafficPolicy.Retries;
using MeshProxy.Grpc;
using MeshProxy.TestSupport;
using Xunit.Abstractions;
using static MeshProxy.FunctionalTests.TrafficPolicy.Overload.OverloadStack;

namespace MeshProxy.FunctionalTests.TrafficPolicy.Overload;

/// <summary>
/// Circuit breakers through a real sidecar and a scripted backend that holds every call until the test releases it,
/// so "in flight" is exact and nothing waits on time. A refusal must never reach the backend.
/// </summary>
public sealed class CircuitBreakerTests(ITestOutputHelper output)
{
    private static string Config(string breakers, string retry = "{ backoff: { base: 1ms, max: 1ms } }") => $$"""
        routes:
          - name: users
            match: { method: /users.v1.UserService/* }
            cluster: users
            retry: {{retry}}
        clusters:
          users:
            destinations:
              - { address: "{held}", name: held }
            circuitBreakers: {{breakers}}
        """;

    [Fact]
    public async Task Breaker_MaxRequestsInFlight_NextCallUnavailableOverloadedAndNeverForwarded()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var held = await HeldAsync(release.Task);
        await using var stack = await StartAsync(output, Config("{ maxRequests: 2, maxPendingRequests: 0 }"), held);

        var first = stack.CallAsync();
        var second = stack.CallAsync();
        await WaitUntilAsync(() => held.Calls.Count == 2);

        var refused = await stack.CallAsync();
        Assert.Equal("14", refused.Status);
        Assert.Equal("true", refused.Header("x-meshproxy-overloaded"));
        Assert.Contains("circuit breaker of cluster users", GrpcMessageEncoding.Decode(refused.Header("grpc-message")!), StringComparison.Ordinal);
        Assert.Equal(2, held.Calls.Count);

        // Neither outlier detection nor the backend heard of it; metrics did.
        Assert.Equal(0, stack.Cluster("users").Destinations[0].ConsecutiveGatewayFailures);
        var samples = await stack.ScrapeUntilAsync(s => Overflows(s, "requests") == 1);
        Assert.Equal(1, Overflows(samples, "requests"));
        Assert.Equal(0, MetricsSample.Sum(samples, "meshproxy_circuit_breaker_remaining", ("cluster", "users"), ("breaker", "requests")));

        // The refused call counts under its route and cluster, like every routed call.
        Assert.Equal(1, MetricsSample.Sum(samples, "meshproxy_requests_total", ("protocol", "grpc"), ("route", "users"), ("cluster", "users"), ("grpc_status", "UNAVAILABLE")));

        release.SetResult();
        Assert.Equal("0", (await first).Status);
        Assert.Equal("0", (await second).Status);
        await WaitUntilAsync(() => stack.Cluster("users").CircuitBreaker.RemainingRequests == 2);
        Assert.Equal("0", (await stack.CallAsync()).Status);
    }

    [Fact]
    public async Task Breaker_PendingQueue_WaitingCallAdmittedWhenASlotFrees_OverflowRefused()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var held = await HeldAsync(release.Task);
        await using var stack = await StartAsync(output, Config("{ maxRequests: 1, maxPendingRequests: 1 }"), held);
        var breaker = stack.Cluster("users").CircuitBreaker;

        var running = stack.CallAsync();
        await WaitUntilAsync(() => held.Calls.Count == 1);
        var waiting = stack.CallAsync();
        await WaitUntilAsync(() => breaker.RemainingPending == 0);

        var refused = await stack.CallAsync();
        Assert.Equal("14", refused.Status);
        Assert.Equal("true", refused.Header("x-meshproxy-overloaded"));
        Assert.False(waiting.IsCompleted);
        Assert.Single(held.Calls);

        // The running call ends: its slot goes to the waiting call, which reaches the backend.
        release.SetResult();
        Assert.Equal("0", (await running).Status);
        Assert.Equal("0", (await waiting).Status);
        Assert.Equal(2, held.Calls.Count);
        var samples = await stack.ScrapeUntilAsync(s => Overflows(s, "pending") == 1);
        Assert.Equal(1, Overflows(samples, "pending"));
        Assert.Equal(0, Overflows(samples, "requests"));
    }

    [Fact]
    public async Task Breaker_PendingWaitOutlivesTheDeadline_DeadlineExceededAndNeverForwarded()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var held = await HeldAsync(release.Task);
        await using var stack = await StartAsync(output, Config("{ maxRequests: 1, maxPendingRequests: 4 }"), held);

        var running = stack.CallAsync();
        await WaitUntilAsync(() => held.Calls.Count == 1);

        var late = await stack.CallAsync(("grpc-timeout", "100m"));
        Assert.Equal("4", late.Status);
        Assert.Single(held.Calls);
        Assert.Equal(4, stack.Cluster("users").CircuitBreaker.RemainingPending);

        release.SetResult();
        Assert.Equal("0", (await running).Status);
    }

    [Fact]
    public async Task Breaker_MaxRetriesInFlight_ExtraRetryRefusedAndTheFailureForwarded()
    {
        // First tries fail at once with UNAVAILABLE; retries (they carry grpc-previous-rpc-attempts) are held.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var held = await ScriptedBackend.StartAsync("held", async (context, call) =>
        {
            if (call.Header(RetryHandlerHeader) is null)
            {
                await ScriptedBackend.TrailersOnlyAsync(context, StatusCode.Unavailable);
                return;
            }

            await release.Task.WaitAsync(context.RequestAborted);
            await ScriptedBackend.MessageThenStatusAsync(context, [], StatusCode.OK);
        }).DefaultTimeout();
        await using var stack = await StartAsync(output, Config("{ maxRetries: 1 }", "{ maxAttempts: 2, backoff: { base: 1ms, max: 1ms } }"), held);

        var retried = stack.CallAsync();
        await WaitUntilAsync(() => held.Calls.Count == 2);
        Assert.Equal(0, stack.Cluster("users").CircuitBreaker.RemainingRetries);

        // The second call's retry finds the breaker full: the caller gets the failure the backend sent, no retry.
        var refused = await stack.CallAsync();
        Assert.Equal("14", refused.Status);
        Assert.Equal("scripted Unavailable", GrpcMessageEncoding.Decode(refused.Header("grpc-message")!));
        Assert.Null(refused.Header("x-meshproxy-overloaded"));
        Assert.Equal(3, held.Calls.Count);
        var samples = await stack.ScrapeUntilAsync(s => Overflows(s, "retries") == 1);
        Assert.Equal(1, Overflows(samples, "retries"));
        Assert.Equal(0, MetricsSample.Sum(samples, "meshproxy_retry_budget_exhausted_total"));

        release.SetResult();
        Assert.Equal("0", (await retried).Status);
        await WaitUntilAsync(() => stack.Cluster("users").CircuitBreaker.RemainingRetries == 1);
    }

    [Fact]
    public async Task Breaker_ReloadKeepingItsSettings_KeepsCountingTheCallsInFlight_NewLimitsTakeEffectAtOnce()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var held = await HeldAsync(release.Task);
        await using var stack = await StartAsync(output, Config("{ maxRequests: 1, maxPendingRequests: 0 }"), held);
        var before = stack.Cluster("users");

        var running = stack.CallAsync();
        await WaitUntilAsync(() => held.Calls.Count == 1);

        // Another cluster setting changes: the cluster is rebuilt, its breaker (and the call it counts) is kept.
        stack.Reload(Config("{ maxRequests: 1, maxPendingRequests: 0 }").Replace("    circuitBreakers:", "    connectTimeout: 3s\n    circuitBreakers:", StringComparison.Ordinal));
        Assert.NotSame(before, stack.Cluster("users"));
        Assert.Same(before.CircuitBreaker, stack.Cluster("users").CircuitBreaker);
        Assert.Equal("14", (await stack.CallAsync()).Status);

        // New limits apply to the next call at once.
        stack.Reload(Config("{ maxRequests: 2, maxPendingRequests: 0 }"));
        var admitted = stack.CallAsync();
        await WaitUntilAsync(() => held.Calls.Count == 2);

        var clusters = await stack.AdminAsync("/clusters");
        var breakers = clusters.RootElement.GetProperty("clusters")[0].GetProperty("circuitBreakers");
        Assert.Equal(2, breakers.GetProperty("maxRequests").GetInt32());
        Assert.Equal(1, breakers.GetProperty("remainingRequests").GetInt32());
        Assert.Equal(0, breakers.GetProperty("remainingPending").GetInt32());
        using var config = await stack.AdminAsync("/config");
        Assert.Equal(2, config.RootElement.GetProperty("clusters").GetProperty("users").GetProperty("circuitBreakers").GetProperty("maxRequests").GetInt32());

        release.SetResult();
        Assert.Equal("0", (await running).Status);
        Assert.Equal("0", (await admitted).Status);
    }

    [Fact]
    public async Task Breaker_Rest_ClusterFull_503WithStatusBodyAndOverloadedHeader()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var held = await HeldAsync(release.Task);
        await using var stack = await StartAsync(output, Config("{ maxRequests: 1, maxPendingRequests: 0 }"), held);

        var running = stack.CallAsync();
        await WaitUntilAsync(() => held.Calls.Count == 1);

        using var response = await stack.RestGetUserAsync();
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("true", response.Headers.GetValues("x-meshproxy-overloaded").Single());
        using var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync().DefaultTimeout());
        Assert.Equal(14, body.RootElement.GetProperty("code").GetInt32());
        Assert.Contains("circuit breaker of cluster users", body.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Single(held.Calls);

        release.SetResult();
        Assert.Equal("0", (await running).Status);
    }

    [Fact]
    public async Task Breaker_Connect_ClusterFull_503WithConnectErrorUnavailable()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var held = await HeldAsync(release.Task);
        await using var stack = await StartAsync(output, Config("{ maxRequests: 1, maxPendingRequests: 0 }"), held);

        var running = stack.CallAsync();
        await WaitUntilAsync(() => held.Calls.Count == 1);

        using var response = await stack.ConnectGetUserAsync();
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, response.StatusCode);
        using var error = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync().DefaultTimeout());
        Assert.Equal("unavailable", error.RootElement.GetProperty("code").GetString());
        Assert.Contains("circuit breaker of cluster users", error.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Single(held.Calls);

        release.SetResult();
        Assert.Equal("0", (await running).Status);
    }

    [Theory]
    [InlineData("application/grpc-web")]
    [InlineData("application/grpc-web-text")]
    public async Task Breaker_GrpcWeb_ClusterFull_UnavailableInTheHeadersWithOverloadedHeader(string contentType)
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var held = await HeldAsync(release.Task);
        await using var stack = await StartAsync(output, Config("{ maxRequests: 1, maxPendingRequests: 0 }"), held);

        var running = stack.CallAsync();
        await WaitUntilAsync(() => held.Calls.Count == 1);

        var (response, status, trailers) = await stack.GrpcWebGetUserAsync(contentType);
        using (response)
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(contentType, response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("14", status);
            Assert.Equal("14", response.Headers.GetValues("grpc-status").Single());
            Assert.True(!trailers.TryGetValue("grpc-status", out var framed) || framed == "14", "the trailer frame disagrees with the headers");
            Assert.Equal("true", response.Headers.GetValues("x-meshproxy-overloaded").Single());
            Assert.Contains("circuit breaker of cluster users", GrpcMessageEncoding.Decode(response.Headers.GetValues("grpc-message").Single()), StringComparison.Ordinal);
        }

        Assert.Single(held.Calls);
        release.SetResult();
        Assert.Equal("0", (await running).Status);
    }

    private const string RetryHandlerHeader = "grpc-previous-rpc-attempts";

    private static double Overflows(IReadOnlyList<MetricsSample> samples, string breaker) =>
        MetricsSample.Sum(samples, "meshproxy_circuit_breaker_overflows_total", ("cluster", "users"), ("breaker", breaker));

    /// <summary>A backend that answers OK once <paramref name="release"/> completes (or the call is cancelled).</summary>
    private static Task<ScriptedBackend> HeldAsync(Task release) =>
        ScriptedBackend.StartAsync("held", async (context, _) =>
        {
            await release.WaitAsync(context.RequestAborted);
            await ScriptedBackend.MessageThenStatusAsync(context, [], StatusCode.OK);
        }).DefaultTimeout();
}
