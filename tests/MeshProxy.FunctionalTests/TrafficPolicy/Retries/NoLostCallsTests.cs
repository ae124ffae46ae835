using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.Grpc;
using MeshProxy.TestSupport;
using Microsoft.AspNetCore.Http;
using Xunit.Abstractions;
using static MeshProxy.FunctionalTests.TrafficPolicy.Retries.ScriptedBackend;

namespace MeshProxy.FunctionalTests.TrafficPolicy.Retries;

/// <summary>
/// Issue 12, "no lost calls", through a real sidecar and scripted h2c backends on loopback: resets of methods safe to
/// repeat are retried, a burst of them fits the retry budget, hedging takes the fast destination, and a per-try timeout
/// with no retry left is UNAVAILABLE. A backend "killed" mid-call resets every stream it holds (RST_STREAM), which is
/// what the sidecar sees of a crashed pod's calls in flight.
/// </summary>
public sealed class NoLostCallsTests(ITestOutputHelper output)
{
    private const string GetUser = "/users.v1.UserService/GetUser";
    private const string RetryHeader = "grpc-previous-rpc-attempts";

    // leastRequests with every destination idle takes the first listed: the first attempt is deterministic.
    private static string Route(string extra, string destinations = "[ { address: \"{a}\", name: a }, { address: \"{b}\", name: b } ]") => $$"""
        routes:
          - name: users
            match: { prefix: / }
            cluster: users
            retry: { backoff: { base: 1ms, max: 5ms } }
        {{extra}}
        clusters:
          users:
            loadBalancing: leastRequests
            destinations: {{destinations}}
        """;

    [Fact]
    public async Task Reset_IdempotentRoute_RetriedOnAnotherHost()
    {
        await using var a = await StartAsync("a", (c, _) => ResetAsync(c));
        await using var b = await StartAsync("b", (c, _) => MessageThenStatusAsync(c, [1], StatusCode.OK));
        await using var stack = await RetryStack.StartAsync(output, Route("    idempotent: true"), [a, b]);

        var (status, _) = await CallAsync(stack, GetUser);

        Assert.Equal("0", status);
        Assert.Single(a.Calls);
        Assert.Equal("1", Assert.Single(b.Calls).Header(RetryHeader));
        await stack.WaitForIdleAsync("users");

        // A reset before response headers is local-origin: counted apart from the backend's own answers.
        Assert.Equal(1, stack.Destination("users", "a").ConsecutiveLocalOriginFailures);
        Assert.Equal(0, stack.Destination("users", "a").ConsecutiveGatewayFailures);
    }

    [Fact]
    public async Task Reset_RouteNotIdempotent_CallerGetsUnavailable()
    {
        // The default retryOn has no reset: the server may have started the work, so only a safe method repeats it.
        await using var a = await StartAsync("a", (c, _) => ResetAsync(c));
        await using var b = await StartAsync("b", (c, _) => MessageThenStatusAsync(c, [1], StatusCode.OK));
        await using var stack = await RetryStack.StartAsync(output, Route(string.Empty), [a, b]);

        var (status, _) = await CallAsync(stack, GetUser);

        Assert.Equal("14", status);
        Assert.Single(a.Calls);
        Assert.Empty(b.Calls);
    }

    [Fact]
    public async Task Reset_MethodMarkedIdempotentInDescriptorSet_RetriedAndOthersNot()
    {
        using var descriptors = TempPath.File("idem", ".pb");
        await File.WriteAllBytesAsync(descriptors.Path, IdempotencyDescriptors.Set());
        await using var a = await StartAsync("a", (c, _) => ResetAsync(c));
        await using var b = await StartAsync("b", (c, _) => MessageThenStatusAsync(c, [1], StatusCode.OK));
        var yaml = Route(string.Empty) + $"\ntranscoding:\n  descriptorSets: [\"{descriptors.Path}\"]\n";
        await using var stack = await RetryStack.StartAsync(output, yaml, [a, b]);

        var (safe, _) = await CallAsync(stack, IdempotencyDescriptors.Get);
        await stack.WaitForIdleAsync("users");
        var (unsafeCall, _) = await CallAsync(stack, IdempotencyDescriptors.Create);

        Assert.Equal("0", safe);
        Assert.Equal("14", unsafeCall);
        Assert.Equal([IdempotencyDescriptors.Get], b.Calls.Select(c => c.Path));
    }

    [Fact]
    public async Task BackendKilledMidCall_IdempotentMethod_NoCallLost()
    {
        // 3 destinations, warmed by 60 calls; then 30 calls at once, and destination a resets every call it holds at
        // the same moment and every later one. The concurrency cap alone (max(3, 20 % of the active calls)) would leave
        // some of a's calls unretried; the ratio budget pays for the burst out of the calls before it.
        const int Warm = 60;
        const int Burst = 30;
        var burst = false;
        var killed = false;
        var arrived = 0;
        var allArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var kill = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = 0;
        void Arrived()
        {
            if (Volatile.Read(ref burst) && Interlocked.Increment(ref arrived) == Burst)
            {
                allArrived.TrySetResult();
            }
        }

        await using var a = await StartAsync("a", async (context, call) =>
        {
            if (Volatile.Read(ref killed))
            {
                await ResetAsync(context);
                return;
            }

            if (!Volatile.Read(ref burst) || call.Header(RetryHeader) is not null)
            {
                await MessageThenStatusAsync(context, [1], StatusCode.OK);
                return;
            }

            Interlocked.Increment(ref held);
            Arrived();
            await kill.Task;
            await ResetAsync(context);
        });
        Func<HttpContext, RecordedCall, Task> healthy = (context, call) =>
        {
            if (call.Header(RetryHeader) is null)
            {
                Arrived();
            }

            return MessageThenStatusAsync(context, [1], StatusCode.OK);
        };
        await using var b = await StartAsync("b", healthy);
        await using var c = await StartAsync("c", healthy);
        var yaml = Route("    idempotent: true", "[ { address: \"{a}\", name: a }, { address: \"{b}\", name: b }, { address: \"{c}\", name: c } ]")
            .Replace("loadBalancing: leastRequests", "loadBalancing: roundRobin", StringComparison.Ordinal);
        await using var stack = await RetryStack.StartAsync(output, yaml, [a, b, c]);

        for (var i = 0; i < Warm; i++)
        {
            Assert.Equal("0", (await CallAsync(stack, GetUser)).Status);
        }

        Volatile.Write(ref burst, true);
        var calls = Enumerable.Range(0, Burst).Select(_ => CallAsync(stack, GetUser)).ToArray();
        await allArrived.Task.DefaultTimeout();
        Volatile.Write(ref killed, true);
        kill.TrySetResult();
        var results = await Task.WhenAll(calls).DefaultTimeout();

        output.WriteLine($"calls held by a when it was killed: {held}");
        Assert.InRange(held, 2, Burst);
        Assert.All(results, r => Assert.Equal("0", r.Status));
        Assert.All(results, r => Assert.NotEqual("a", r.Backend));
        await stack.WaitForIdleAsync("users");
    }

    [Fact]
    public async Task UnavailableBurst_ColdSidecar_EveryCallRetried()
    {
        // A cold sidecar (no call banked for the ratio budget yet), 3 destinations, 30 calls at once; destination a turns
        // UNAVAILABLE for all of its 10 at the same moment, and the retries are held at b and c until each of the 10 has
        // retried or been refused. The concurrency cap (max(3, 20 % of 30) = 6) and the ratio credit of 30 calls (6,
        // each retry spends one) leave 4 unretried; the floor of minRetriesPerSecond covers them.
        const int Burst = 30;
        const int Failing = Burst / 3;
        var arrived = 0;
        var allArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var decided = 0;
        var allDecided = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Decided()
        {
            if (Interlocked.Increment(ref decided) == Failing)
            {
                allDecided.TrySetResult();
            }
        }

        async Task HoldAsync(RecordedCall call)
        {
            if (call.Header(RetryHeader) is not null)
            {
                Decided();
                await allDecided.Task;
                return;
            }

            if (Interlocked.Increment(ref arrived) == Burst)
            {
                allArrived.TrySetResult();
            }

            await allArrived.Task;
        }

        await using var a = await StartAsync("a", async (context, call) =>
        {
            await HoldAsync(call);
            await TrailersOnlyAsync(context, StatusCode.Unavailable);
        });
        Func<HttpContext, RecordedCall, Task> healthy = async (context, call) =>
        {
            await HoldAsync(call);
            await MessageThenStatusAsync(context, [1], StatusCode.OK);
        };
        await using var b = await StartAsync("b", healthy);
        await using var c = await StartAsync("c", healthy);
        var yaml = Route(string.Empty, "[ { address: \"{a}\", name: a }, { address: \"{b}\", name: b }, { address: \"{c}\", name: c } ]")
            .Replace("loadBalancing: leastRequests", "loadBalancing: roundRobin", StringComparison.Ordinal);
        await using var stack = await RetryStack.StartAsync(output, yaml, [a, b, c]);

        var calls = Enumerable.Range(0, Burst).Select(async _ =>
        {
            var result = await CallAsync(stack, GetUser);
            if (result.Status != "0")
            {
                Decided();
            }

            return result;
        }).ToArray();
        var results = await Task.WhenAll(calls).DefaultTimeout();

        Assert.Equal(Failing, a.Calls.Count);
        Assert.All(results, r => Assert.Equal("0", r.Status));
        await stack.WaitForIdleAsync("users");
    }

    [Fact]
    public async Task Hedging_FirstDestinationHangs_FastOneAnswersAndTheSlowTryIsCancelled()
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var a = await StartAsync("a", async (c, _) =>
        {
            await Task.Delay(Timeout.Infinite, c.RequestAborted).ContinueWith(_ => cancelled.TrySetResult(), TaskScheduler.Default);
        });
        await using var b = await StartAsync("b", (c, _) => MessageThenStatusAsync(c, [2], StatusCode.OK));
        await using var stack = await RetryStack.StartAsync(output, Route("    idempotent: true\n    hedging: { maxAttempts: 2, delay: 20ms }"), [a, b]);

        var (status, backend) = await CallAsync(stack, GetUser);

        Assert.Equal("0", status);
        Assert.Equal("b", backend);
        Assert.Single(a.Calls);
        Assert.Equal("1", Assert.Single(b.Calls).Header(RetryHeader));
        await cancelled.Task.DefaultTimeout();
        await stack.WaitForIdleAsync("users");

        // The loser began before the winner and was overtaken: a timeout of ours (local-origin), never the backend's
        // own server error, so a destination that hangs is ejected instead of costing a hedge on every call.
        Assert.Equal(0, stack.Destination("users", "a").ConsecutiveServerErrors);
        Assert.Equal(1, stack.Destination("users", "a").ConsecutiveLocalOriginFailures);
    }

    [Fact]
    public async Task Hedging_FirstTryNonFatal_NextTryGoesAtOnce()
    {
        // A delay of an hour: only the non-fatal UNAVAILABLE can send the second try while the call still runs.
        await using var a = await StartAsync("a", (c, _) => TrailersOnlyAsync(c, StatusCode.Unavailable));
        await using var b = await StartAsync("b", (c, _) => MessageThenStatusAsync(c, [3], StatusCode.OK));
        await using var stack = await RetryStack.StartAsync(output, Route("    idempotent: true\n    hedging: { maxAttempts: 3, delay: 1h }"), [a, b]);

        var (status, backend) = await CallAsync(stack, GetUser);

        Assert.Equal("0", status);
        Assert.Equal("b", backend);
        await stack.WaitForIdleAsync("users");
        Assert.Equal(1, stack.Destination("users", "a").ConsecutiveGatewayFailures);
    }

    [Fact]
    public async Task Hedging_MethodNotIdempotent_NoHedgeSent()
    {
        await using var a = await StartAsync("a", (c, _) => Task.Delay(Timeout.Infinite, c.RequestAborted));
        await using var b = await StartAsync("b", (c, _) => MessageThenStatusAsync(c, [2], StatusCode.OK));
        await using var stack = await RetryStack.StartAsync(output, Route("    hedging: { maxAttempts: 2, delay: 1ms }"), [a, b]);

        var (status, _) = await CallAsync(stack, GetUser, ("grpc-timeout", "300m"));

        Assert.Equal("4", status);
        Assert.Single(a.Calls);
        Assert.Empty(b.Calls);
    }

    [Fact]
    public async Task PerTryTimeout_NoRetryLeft_UnavailableNotDeadlineExceeded()
    {
        await using var a = await StartAsync("a", (c, _) => Task.Delay(Timeout.Infinite, c.RequestAborted));
        await using var b = await StartAsync("b", (c, _) => Task.Delay(Timeout.Infinite, c.RequestAborted));
        // Each try opens a fresh connection to its backend inside its own time: 100 ms was sometimes spent before the
        // call reached the backend on a loaded machine (1 run in 4), so a try is given a second.
        var yaml = Route(string.Empty).Replace("retry: {", "retry: { maxAttempts: 2, perTryTimeout: 1s,", StringComparison.Ordinal);
        await using var stack = await RetryStack.StartAsync(output, yaml, [a, b]);

        var (status, _) = await CallAsync(stack, GetUser);

        // The caller sent no deadline, so none passed: the tries ran out of their own time.
        Assert.Equal("14", status);
        Assert.Single(a.Calls);
        Assert.Single(b.Calls);
    }

    /// <summary>Resets the stream (RST_STREAM) before any response: what a crashed backend's calls in flight look like.</summary>
    private static Task ResetAsync(HttpContext context)
    {
        context.Abort();
        return Task.CompletedTask;
    }

    private static Task<ScriptedBackend> StartAsync(string name, Func<HttpContext, RecordedCall, Task> script) =>
        ScriptedBackend.StartAsync(name, script).DefaultTimeout();

    private static async Task<(string? Status, string? Backend)> CallAsync(RetryStack stack, string method, params (string Name, string Value)[] headers)
    {
        using var request = GrpcHttp.UnaryRequest(stack.Address, method, headers);
        using var response = await stack.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).DefaultTimeout();
        await response.Content.ReadAsByteArrayAsync().DefaultTimeout();
        return (GrpcHttp.Status(response), response.Headers.TryGetValues("x-backend", out var values) ? values.Single() : null);
    }
}
