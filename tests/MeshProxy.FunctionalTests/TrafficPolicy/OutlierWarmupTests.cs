using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.FunctionalTests.TrafficPolicy.Retries;
using MeshProxy.Grpc;
using MeshProxy.TestSupport;
using Xunit.Abstractions;
using static MeshProxy.FunctionalTests.TrafficPolicy.Retries.ScriptedBackend;

namespace MeshProxy.FunctionalTests.TrafficPolicy;

/// <summary>
/// Issue 12, "a cold start ejects everything": a freshly started sidecar whose per-try timeout is shorter than a healthy
/// backend's answers must not eject that backend while it warms up; the same timeouts after warm-up (here: none) eject
/// it by the local-origin rule, never by the backend's 5xx rule.
/// </summary>
public sealed class OutlierWarmupTests(ITestOutputHelper output)
{
    private const int Calls = 8;
    private const string RetryHeader = "grpc-previous-rpc-attempts";
    private const string CallPath = "/users.v1.UserService/GetUser";

    // leastRequests with both destinations idle takes the first listed, so every call tries the slow one first, times
    // out after 500ms and is retried on the fast one. Only the local-origin rule is on, so it alone can eject. (At
    // 100ms, a CI run under load saw the first retry's cold connection to the fast one outlast it: the try was cut
    // before it reached that backend, and 7 of 8 retries arrived.)
    private static string Yaml(string outlier) => $$"""
        routes:
          - name: users
            match: { prefix: / }
            cluster: users
            retry: { maxAttempts: 2, perTryTimeout: 500ms, backoff: { base: 1ms, max: 5ms } }
        clusters:
          users:
            loadBalancing: leastRequests
            destinations: [ { address: "{slow}", name: slow }, { address: "{fast}", name: fast } ]
            outlierDetection: { consecutiveLocalOriginFailures: 3, consecutiveGatewayFailures: 0, consecutiveServerErrors: 0, maxEjectionPercent: 50{{outlier}} }
        """;

    [Fact]
    public async Task PerTryTimeouts_ColdSidecarWithinWarmup_SlowHealthyBackendNotEjected()
    {
        await using var slow = await StartAsync("slow", SlowAsync).DefaultTimeout();
        await using var fast = await StartAsync("fast", (c, _) => MessageThenStatusAsync(c, [1], StatusCode.OK)).DefaultTimeout();
        await using var stack = await RetryStack.StartAsync(output, Yaml(string.Empty), [slow, fast]);
        await OpenConnectionAsync(stack, fast);

        await CallAllAsync(stack);

        // Every call timed out on the slow destination and was retried on the fast one, yet nothing was ejected.
        var destination = stack.Destination("users", "slow");
        Assert.True(Calls == fast.Calls.Count(c => c.Header(RetryHeader) == "1"), Reached(slow, fast));
        Assert.False(destination.Ejected, $"ejected {destination.TimesEjected} times during warm-up");
        Assert.Equal(0, destination.TimesEjected);
        Assert.Equal(0, destination.ConsecutiveLocalOriginFailures);
        Assert.Equal(0, destination.ConsecutiveServerErrors);
        Assert.True(stack.Cluster("users").Availability.IsWarmingUp(destination));
    }

    [Fact]
    public async Task PerTryTimeouts_NoWarmup_EjectedByTheLocalOriginRuleOnly()
    {
        await using var slow = await StartAsync("slow", SlowAsync).DefaultTimeout();
        await using var fast = await StartAsync("fast", (c, _) => MessageThenStatusAsync(c, [1], StatusCode.OK)).DefaultTimeout();
        await using var stack = await RetryStack.StartAsync(output, Yaml(", warmup: 0s"), [slow, fast]);
        await OpenConnectionAsync(stack, fast);

        await CallAllAsync(stack);

        // Three timeouts in a row eject it (the only rule on); later calls go to the fast destination at once.
        var destination = stack.Destination("users", "slow");
        Assert.True(destination.Ejected);
        Assert.Equal(1, destination.TimesEjected);
        Assert.Equal(3, fast.Calls.Count(c => c.Header(RetryHeader) == "1"));
        Assert.Equal(Calls - 3, fast.Calls.Count(c => c.Header(RetryHeader) is null && c.Path == CallPath));
    }

    [Fact]
    public async Task PerTryTimeout_HungDestinationWhileItsPeerAnswersWithinWarmup_Ejected()
    {
        // A hung destination on a cold sidecar: the peer answers a call that started after the hung try, so the
        // sidecar was fast enough and the timeout is the destination's. Warm-up must not shield it (issue 12: a hung
        // backend kept a third of the traffic for the whole warm-up, spending the retry budget).
        await using var hung = await StartAsync("slow", SlowAsync).DefaultTimeout();
        await using var fast = await StartAsync("fast", (c, _) => MessageThenStatusAsync(c, [1], StatusCode.OK)).DefaultTimeout();
        var yaml = Yaml(string.Empty)
            .Replace("perTryTimeout: 500ms", "perTryTimeout: 3s", StringComparison.Ordinal)
            .Replace("consecutiveLocalOriginFailures: 3", "consecutiveLocalOriginFailures: 1", StringComparison.Ordinal);
        await using var stack = await RetryStack.StartAsync(output, yaml, [hung, fast]);
        var destination = stack.Destination("users", "slow");

        // Both idle: leastRequests sends the first call to the hung destination. With it holding that call, the next
        // goes to the fast one and is answered while the first still waits for its per-try timeout.
        var first = CallAsync(stack);
        await WaitUntilAsync(() => !hung.Calls.IsEmpty);
        Assert.Equal("0", await CallAsync(stack));
        await WaitUntilAsync(() => stack.Destination("users", "fast").LastAnsweredTryStarted != 0);
        Assert.Equal("0", await first);

        Assert.True(stack.Cluster("users").Availability.IsWarmingUp(destination));
        Assert.True(destination.Ejected, "a destination that hangs while its peer answers is ejected during warm-up");
        Assert.Equal(1, destination.TimesEjected);
        Assert.Equal(2, fast.Calls.Count);
    }

    /// <summary>
    /// Opens the sidecar's connection to <paramref name="backend"/> before the calls, through the cluster's own client,
    /// so that a retry's per-try timeout covers the try, not the setup of the first connection to that destination.
    /// A full CI run once saw 7 of 8 retries arrive with nothing logged, as a retry cut by its per-try timeout leaves
    /// it, and as the first retry did at 100 ms (above). The call goes to another path, which no count reads.
    /// </summary>
    private static async Task OpenConnectionAsync(RetryStack stack, ScriptedBackend backend)
    {
        using var invoker = new HttpMessageInvoker(stack.Cluster("users").Client.Retries.InnerHandler!, disposeHandler: false);
        using var request = GrpcHttp.UnaryRequest(new Uri($"http://127.0.0.1:{backend.Port}"), "/meshproxy.test.Warmup/Connect");
        using var response = await invoker.SendAsync(request, CancellationToken.None).DefaultTimeout();
        await response.Content.ReadAsByteArrayAsync().DefaultTimeout();
    }

    /// <summary>What reached each backend, for a failure's message.</summary>
    private static string Reached(params ScriptedBackend[] backends) => string.Join("; ", backends.Select(b =>
        $"{b.Name}: " + string.Join(", ", b.Calls.Select(c => $"{c.Path} attempts={c.Header(RetryHeader) ?? "0"}"))));

    private static async Task<string?> CallAsync(RetryStack stack)
    {
        using var request = GrpcHttp.UnaryRequest(stack.Address, CallPath);
        using var response = await stack.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).DefaultTimeout();
        await response.Content.ReadAsByteArrayAsync().DefaultTimeout();
        return GrpcHttp.Status(response);
    }

    private static Task WaitUntilAsync(Func<bool> condition) => Task.Run(async () =>
    {
        while (!condition())
        {
            await Task.Yield();
        }
    }).DefaultTimeout();

    private static async Task SlowAsync(Microsoft.AspNetCore.Http.HttpContext context, RecordedCall call)
    {
        // Healthy but slower than the per-try timeout: the sidecar gives up first and cancels the stream.
        await Task.Delay(TimeSpan.FromSeconds(5), context.RequestAborted);
        await MessageThenStatusAsync(context, [1], StatusCode.OK);
    }

    // A cold fast destination may itself miss the first per-try timeout under load; the assertions read the
    // destinations and what reached the backends, not each caller's status.
    private static async Task CallAllAsync(RetryStack stack)
    {
        for (var i = 0; i < Calls; i++)
        {
            using var request = GrpcHttp.UnaryRequest(stack.Address, CallPath);
            using var response = await stack.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).DefaultTimeout();
            await response.Content.ReadAsByteArrayAsync().DefaultTimeout();
            await stack.WaitForIdleAsync("users");
        }
    }
}
