using System.Diagnostics;
using System.Net.Http.Headers;
using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.FunctionalTests.Observability;
using MeshProxy.Grpc;
using MeshProxy.Hosting;
using MeshProxy.TestSupport;
using MeshProxy.TrafficPolicy;
using Xunit.Abstractions;
using static MeshProxy.FunctionalTests.TrafficPolicy.Retries.ScriptedBackend;

namespace MeshProxy.FunctionalTests.TrafficPolicy.Retries;

/// <summary>
/// gRPC-aware retries through a real sidecar and scripted h2c backends on loopback. Each test starts its own stack,
/// so counters (passive health, in-flight, budget) belong to it alone.
/// </summary>
public sealed class RetryTests(ITestOutputHelper output)
{
    private const string Method = "/users.v1.UserService/GetUser";

    // leastRequests with every destination idle takes the first listed: the first attempt is deterministic.
    private const string TwoHosts = """
        routes:
          - name: users
            match: { method: /users.v1.UserService/* }
            cluster: users
            retry: { backoff: { base: 1ms, max: 5ms } }
        clusters:
          users:
            loadBalancing: leastRequests
            destinations:
              - { address: "{a}", name: a }
              - { address: "{b}", name: b }
        """;

    [Fact]
    public async Task TrailersOnlyUnavailable_RetriedOnAnotherHost_CallerSeesOnlyTheRetry()
    {
        await using var a = await StartAsync("a", (c, _) => TrailersOnlyAsync(c, StatusCode.Unavailable, ("x-failed-try", "a")));
        await using var b = await StartAsync("b", (c, _) => MessageThenStatusAsync(c, [1, 2, 3], StatusCode.OK));
        await using var stack = await RetryStack.StartAsync(output, TwoHosts, [a, b]);

        var result = await CallAsync(stack);

        Assert.Equal("0", result.Status);
        Assert.Equal("b", result.Header("x-backend"));
        Assert.Null(result.Header("x-failed-try"));
        Assert.Null(result.Header("grpc-message"));
        Assert.Equal(GrpcFrames.Frame([1, 2, 3]), result.Body);

        // gRPC A6: the retry says how many attempts came before it; the first attempt carries nothing.
        Assert.Null(Assert.Single(a.Calls).Header(RetryHeader));
        Assert.Equal("1", Assert.Single(b.Calls).Header(RetryHeader));

        // Passive health: one failure at a, one success at b, each attempt recorded once.
        await stack.WaitForIdleAsync("users");
        Assert.Equal(1, stack.Destination("users", "a").ConsecutiveGatewayFailures);
        Assert.Equal(0, stack.Destination("users", "b").ConsecutiveGatewayFailures);
        Assert.Equal(0, stack.Destination("users", "b").ConsecutiveServerErrors);
        Assert.Equal(0, stack.Cluster("users").RetryBudget.InFlight);
    }

    [Fact]
    public async Task ConnectFailure_RetriedOnAnotherHost()
    {
        await using var b = await StartAsync("b", (c, _) => MessageThenStatusAsync(c, [7], StatusCode.OK));
        await using var stack = await RetryStack.StartAsync(output, TwoHosts.Replace("{a}", "{dead}", StringComparison.Ordinal), [b]);

        var result = await CallAsync(stack);

        Assert.Equal("0", result.Status);
        Assert.Equal("1", Assert.Single(b.Calls).Header(RetryHeader));
        await stack.WaitForIdleAsync("users");
        Assert.Equal(1, stack.Destination("users", "a").ConsecutiveLocalOriginFailures);
        Assert.Equal(0, stack.Destination("users", "a").ConsecutiveGatewayFailures);
    }

    [Fact]
    public async Task ConnectFailure_NoRetryBudgetLeft_StillRetried()
    {
        // A budget of zero: no retry may take a slot. A connect failure never reached a server, so its retry takes
        // none (gRFC A6, transparent retries) and the call still succeeds on b.
        await using var b = await StartAsync("b", (c, _) => MessageThenStatusAsync(c, [7], StatusCode.OK));
        await using var stack = await RetryStack.StartAsync(output, ZeroBudget(TwoHosts.Replace("{a}", "{dead}", StringComparison.Ordinal)), [b]);

        var result = await CallAsync(stack);

        Assert.Equal("0", result.Status);
        Assert.Equal("1", Assert.Single(b.Calls).Header(RetryHeader));
        await stack.WaitForIdleAsync("users");
        Assert.Equal(0, stack.Cluster("users").RetryBudget.InFlight);
    }

    [Fact]
    public async Task Unavailable_NoRetryBudgetLeft_ForwardedNotRetried()
    {
        // The same zero budget holds for an attempt the server answered: its retry would be extra work there.
        await using var a = await StartAsync("a", (c, _) => TrailersOnlyAsync(c, StatusCode.Unavailable));
        await using var b = await StartAsync("b", (c, _) => MessageThenStatusAsync(c, [1], StatusCode.OK));
        await using var stack = await RetryStack.StartAsync(output, ZeroBudget(TwoHosts), [a, b]);

        var result = await CallAsync(stack);

        Assert.Equal("14", result.Status);
        Assert.Single(a.Calls);
        Assert.Empty(b.Calls);
    }

    [Fact]
    public async Task StatusNotInRetryOn_ForwardedOnce()
    {
        await using var a = await StartAsync("a", (c, _) => TrailersOnlyAsync(c, StatusCode.Internal));
        await using var b = await StartAsync("b", (c, _) => MessageThenStatusAsync(c, [1], StatusCode.OK));
        await using var stack = await RetryStack.StartAsync(output, TwoHosts, [a, b]);

        var result = await CallAsync(stack);

        Assert.Equal("13", result.Status);
        Assert.Single(a.Calls);
        Assert.Empty(b.Calls);
    }

    [Fact]
    public async Task FailureAfterStreamedMessage_NotRetried()
    {
        await using var a = await StartAsync("a", (c, _) => MessageThenStatusAsync(c, [9, 9], StatusCode.Unavailable));
        await using var b = await StartAsync("b", (c, _) => MessageThenStatusAsync(c, [1], StatusCode.OK));
        await using var stack = await RetryStack.StartAsync(output, TwoHosts, [a, b]);

        var result = await CallAsync(stack);

        // The headers and a message went downstream: the call has committed (A6) and its failure is the caller's.
        Assert.Equal("14", result.Status);
        Assert.Equal("a", result.Header("x-backend"));
        Assert.Equal(GrpcFrames.Frame([9, 9]), result.Body);
        Assert.Single(a.Calls);
        Assert.Empty(b.Calls);
    }

    [Theory]
    [InlineData(65_536, true)]
    [InlineData(65_537, false)]
    public async Task BodyAtBufferLimit_RetriedOnlyWhenItFits(int bodyLength, bool retried)
    {
        await using var a = await StartAsync("a", (c, _) => TrailersOnlyAsync(c, StatusCode.Unavailable));
        await using var b = await StartAsync("b", (c, _) => MessageThenStatusAsync(c, [1], StatusCode.OK));
        await using var stack = await RetryStack.StartAsync(output, TwoHosts, [a, b]);
        var body = GrpcFrames.Frame(Payload(bodyLength - GrpcProtocol.MessagePrefixLength));

        var result = await CallAsync(stack, body);

        Assert.Equal(bodyLength, Assert.Single(a.Calls).Body.Length);
        if (retried)
        {
            Assert.Equal("0", result.Status);
            Assert.Equal(body, Assert.Single(b.Calls).Body);
        }
        else
        {
            Assert.Equal("14", result.Status);
            Assert.Empty(b.Calls);
        }
    }

    [Fact]
    public async Task ClientStreaming_WithinLimit_ReplayedByteForByte()
    {
        await using var a = await StartAsync("a", (c, _) => TrailersOnlyAsync(c, StatusCode.Unavailable));
        await using var b = await StartAsync("b", (c, call) => MessageThenStatusAsync(c, [(byte)call.Body.Length], StatusCode.OK));
        await using var stack = await RetryStack.StartAsync(output, TwoHosts, [a, b]);
        byte[][] messages = [GrpcFrames.Frame(Payload(10)), GrpcFrames.Frame(Payload(3_000)), GrpcFrames.Frame([]), GrpcFrames.Frame(Payload(20_000))];

        var result = await CallAsync(stack, content: new StreamingContent(messages));

        var sent = messages.SelectMany(m => m).ToArray();
        Assert.Equal("0", result.Status);
        Assert.Equal(sent, Assert.Single(a.Calls).Body);
        Assert.Equal(sent, Assert.Single(b.Calls).Body);
    }

    [Fact]
    public async Task FailureWhileCallerStillSends_ForwardedAtOnceNotRetried()
    {
        // A duplex caller that waits for a reply before it sends more: the proxy must not wait for its whole body to
        // replay it, or both sides would wait on each other. The failure goes to the caller while its stream is open.
        // a fails once it has read the first message, so the proxy has already waited for data (a zero-byte read,
        // which is no END_STREAM) and waits again for the next message when the failure arrives.
        var first = GrpcFrames.Frame(Payload(8));
        await using var a = await ScriptedBackend.StartAsync("a", (c, _) => FailAfterReadingAsync(c, first.Length), readBody: false).DefaultTimeout();
        await using var b = await StartAsync("b", (c, _) => MessageThenStatusAsync(c, [1], StatusCode.OK));
        await using var stack = await RetryStack.StartAsync(output, TwoHosts, [a, b]);
        var rest = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var result = await CallAsync(stack, content: new StreamingContent([first], rest.Task));
        rest.TrySetResult();

        Assert.Equal("14", result.Status);
        Assert.Empty(b.Calls);
        await stack.WaitForIdleAsync("users");
    }

    [Fact]
    public async Task FailureForwarded_CallerStreamStillOpen_ProxyStopsReadingIt()
    {
        // Once the failure is forwarded no replay can follow: the proxy must stop reading the caller (a cancellation,
        // not a fault) and end the call, rather than drain a stream the caller may keep open for a long time.
        var first = GrpcFrames.Frame(Payload(8));
        await using var a = await ScriptedBackend.StartAsync("a", (c, _) => FailAfterReadingAsync(c, first.Length), readBody: false).DefaultTimeout();
        await using var b = await StartAsync("b", (c, _) => MessageThenStatusAsync(c, [1], StatusCode.OK));
        await using var stack = await RetryStack.StartAsync(output, TwoHosts, [a, b]);
        var rest = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            var result = await CallAsync(stack, content: new StreamingContent([first], rest.Task));

            Assert.Equal("14", result.Status);
            await stack.WaitForIdleAsync("users");
            Assert.Equal(1, stack.Destination("users", "a").ConsecutiveGatewayFailures);
        }
        finally
        {
            rest.TrySetResult();
        }

        Assert.Empty(b.Calls);
    }

    [Fact]
    public async Task ClientStreaming_BodyArrivesSlowlyInPieces_RetryReplaysAllOfIt()
    {
        // Each piece is sent only once a has read the one before, so the proxy waits for data between pieces (YARP's
        // zero-byte reads); a fails after the caller's END_STREAM, and b must get every byte.
        byte[][] pieces = [GrpcFrames.Frame(Payload(5)), GrpcFrames.Frame(Payload(700)), GrpcFrames.Frame(Payload(1)), GrpcFrames.Frame(Payload(3_000))];
        var received = pieces.Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        await using var a = await ScriptedBackend.StartAsync("a", async (c, _) =>
        {
            var buffer = new byte[8192];
            long total = 0;
            var next = 0;
            int read;
            while ((read = await c.Request.Body.ReadAsync(buffer, c.RequestAborted)) > 0)
            {
                total += read;
                while (next < pieces.Length && total >= pieces.Take(next + 1).Sum(p => p.Length))
                {
                    received[next++].TrySetResult();
                }
            }

            await TrailersOnlyAsync(c, StatusCode.Unavailable);
        }, readBody: false).DefaultTimeout();
        await using var b = await StartAsync("b", (c, _) => MessageThenStatusAsync(c, [1], StatusCode.OK));
        await using var stack = await RetryStack.StartAsync(output, TwoHosts, [a, b]);

        var result = await CallAsync(stack, content: new StreamingContent(pieces, sent: i => received[i].Task));

        Assert.Equal("0", result.Status);
        Assert.Equal(pieces.SelectMany(p => p).ToArray(), Assert.Single(b.Calls).Body);
    }

    [Fact]
    public async Task Deadline_EachAttemptGetsTheTimeLeft_AndNoAttemptStartsAfterIt()
    {
        // Every try fails with a pushback of 1 s and the caller allows 3 s: tries start at about 0, 1 and 2 s,
        // alternating hosts; a fourth would start at 3 s, after the deadline, so once the last try fails with less
        // than the pushback left the caller gets DEADLINE_EXCEEDED. Slow round trips on a loaded machine can leave
        // room for only two tries, which is the same rule. (With 400 ms in 1 s, a CI run whose test process stalled
        // for 600 ms saw one try only: the scale leaves room for a stall of a second.)
        await using var a = await StartAsync("a", (c, _) => TrailersOnlyAsync(c, StatusCode.Unavailable, ("grpc-retry-pushback-ms", "1000")));
        await using var b = await StartAsync("b", (c, _) => TrailersOnlyAsync(c, StatusCode.Unavailable, ("grpc-retry-pushback-ms", "1000")));
        await using var stack = await RetryStack.StartAsync(output, TwoHosts.Replace("retry: {", "retry: { maxAttempts: 5,", StringComparison.Ordinal), [a, b]);

        // A first call warms the path (connections, JIT), whose cold round trip alone can take most of a second. Its
        // 100 ms cannot cover a 1 s pushback, so it ends after one try.
        Assert.Equal("4", (await CallAsync(stack, headers: [("grpc-timeout", "100m")])).Status);
        await stack.WaitForIdleAsync("users");
        var failuresBefore = new[] { "a", "b" }.ToDictionary(n => n, n => stack.Destination("users", n).ConsecutiveGatewayFailures);
        a.Calls.Clear();
        b.Calls.Clear();
        var sent = Stopwatch.GetTimestamp();

        var result = await CallAsync(stack, headers: [("grpc-timeout", "3000m")]);

        Assert.Equal("4", result.Status);
        var tries = a.Calls.Concat(b.Calls).OrderBy(c => c.ArrivedTimestamp).ToArray();
        var ended = Stopwatch.GetElapsedTime(sent);
        var schedule = $"{tries.Length} tries, the call ended after {ended}: " + string.Join("; ", tries.Select(t => $"{t.Backend} at {Stopwatch.GetElapsedTime(sent, t.ArrivedTimestamp)} with {t.Header("grpc-timeout")}"));

        // A CI run once stalled the whole test process for over 3 s (the 1 s pushback and the 3 s deadline both fired
        // at 4.7 s, one try made): when the call ends that far past its deadline the process was not running, and the
        // retry it would have made was rightly not made after the deadline. Otherwise one try is a missing retry.
        var stalled = ended > TimeSpan.FromSeconds(4);
        Assert.True(tries.Length is 2 or 3 || (stalled && tries.Length == 1), schedule);
        for (var i = 0; i < tries.Length; i++)
        {
            Assert.Equal(i == 0 ? null : i.ToString(System.Globalization.CultureInfo.InvariantCulture), tries[i].Header(RetryHeader));
            Assert.True(i == 0 || tries[i].Backend != tries[i - 1].Backend, $"try {i} went back to {tries[i].Backend}");
            Assert.True(Stopwatch.GetElapsedTime(sent, tries[i].ArrivedTimestamp) < TimeSpan.FromSeconds(3), $"try {i} started after the deadline");
        }

        var timeouts = tries.Select(t => Assert.IsType<TimeSpan>(ParseTimeout(t.Header("grpc-timeout")))).ToArray();
        Assert.InRange(timeouts[0], TimeSpan.FromMilliseconds(2000), TimeSpan.FromMilliseconds(3000));
        for (var i = 1; i < timeouts.Length; i++)
        {
            // Each try is sent the time left, so at least the 1 s pushback less than the try before it. The
            // runtime's timers count whole milliseconds and may end a wait up to one tick early, hence the 5 ms slack.
            Assert.True(timeouts[i] <= timeouts[i - 1] - TimeSpan.FromMilliseconds(995), $"try {i}: {timeouts[i]} after {timeouts[i - 1]}");
            Assert.True(timeouts[i] > TimeSpan.Zero, $"try {i} started with no time left");
        }

        // No further try fitted: with 2 s left at its start, the last try would have left room for another pushback.
        Assert.True(timeouts[^1] < TimeSpan.FromMilliseconds(2000) || stalled, $"the last try started with {timeouts[^1]} left, room for another; " + schedule);
        await stack.WaitForIdleAsync("users");
        foreach (var name in failuresBefore.Keys)
        {
            Assert.Equal(failuresBefore[name] + tries.Count(t => t.Backend == name), stack.Destination("users", name).ConsecutiveGatewayFailures);
        }
    }

    [Fact]
    public async Task Deadline_ExpiresDuringAnAttempt_CallerGetsDeadlineExceededAndNoRetry()
    {
        // The first host hangs until the 300 ms deadline cancels the attempt: no attempt may follow it.
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var a = await StartAsync("a", async (c, _) =>
        {
            await Task.Delay(Timeout.Infinite, c.RequestAborted).ContinueWith(_ => aborted.TrySetResult(), TaskScheduler.Default);
        });
        await using var b = await StartAsync("b", (c, _) => MessageThenStatusAsync(c, [1], StatusCode.OK));
        await using var stack = await RetryStack.StartAsync(output, TwoHosts, [a, b]);

        var result = await CallAsync(stack, headers: [("grpc-timeout", "300m")]);

        Assert.Equal("4", result.Status);
        await aborted.Task.DefaultTimeout();
        Assert.Empty(b.Calls);
    }

    [Fact]
    public async Task PerTryTimeout_HangingHost_RetriedOnAnother()
    {
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var a = await StartAsync("a", async (c, _) =>
        {
            await Task.Delay(Timeout.Infinite, c.RequestAborted).ContinueWith(_ => aborted.TrySetResult(), TaskScheduler.Default);
        });
        await using var b = await StartAsync("b", (c, _) => MessageThenStatusAsync(c, [5], StatusCode.OK));
        // The per-try timeout also covers connecting to a and the dispatch to its handler: on a loaded machine those
        // alone took over 200 ms, and the try was then cancelled before a ever saw it (so a was never aborted).
        await using var stack = await RetryStack.StartAsync(output, TwoHosts.Replace("retry: {", "retry: { perTryTimeout: 1s,", StringComparison.Ordinal), [a, b]);

        var result = await CallAsync(stack);

        Assert.Equal("0", result.Status);
        Assert.Equal("b", result.Header("x-backend"));
        await aborted.Task.DefaultTimeout();
        await stack.WaitForIdleAsync("users");

        // Our own timeout on a destination still warming up (the sidecar just started) counts toward nothing.
        Assert.Equal(0, stack.Destination("users", "a").ConsecutiveServerErrors);
        Assert.Equal(0, stack.Destination("users", "a").ConsecutiveLocalOriginFailures);
    }

    [Fact]
    public async Task PerTryTimeout_SecondTryAfterAFailedReply_CutByTheReArmedTimer()
    {
        // The first try fails with a reply, so its per-try source is reset and re-armed for the second (one source per
        // call): that re-armed timer must still cut the hanging second try.
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var a = await StartAsync("a", (c, _) => TrailersOnlyAsync(c, StatusCode.Unavailable));
        await using var b = await StartAsync("b", async (c, _) =>
        {
            await Task.Delay(Timeout.Infinite, c.RequestAborted).ContinueWith(_ => aborted.TrySetResult(), TaskScheduler.Default);
        });
        var yaml = TwoHosts.Replace("retry: {", "timeout: 30s\n    retry: { maxAttempts: 2, perTryTimeout: 1s,", StringComparison.Ordinal);
        await using var stack = await RetryStack.StartAsync(output, yaml, [a, b]);

        var result = await CallAsync(stack);

        Assert.Equal("14", result.Status);
        Assert.Contains("per-try timeout", result.Header("grpc-message"), StringComparison.Ordinal);
        await aborted.Task.DefaultTimeout();
        Assert.Single(a.Calls);
        Assert.Single(b.Calls);
    }

    [Fact]
    public async Task PerTryTimeoutNotShorterThanTheDeadline_DeadlineExceeded()
    {
        // No per-try timer is made when the deadline ends the try first: the caller gets DEADLINE_EXCEEDED, not a retry.
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var a = await StartAsync("a", async (c, _) =>
        {
            await Task.Delay(Timeout.Infinite, c.RequestAborted).ContinueWith(_ => aborted.TrySetResult(), TaskScheduler.Default);
        });
        await using var b = await StartAsync("b", (c, _) => MessageThenStatusAsync(c, [1], StatusCode.OK));
        await using var stack = await RetryStack.StartAsync(output, TwoHosts.Replace("retry: {", "retry: { perTryTimeout: 10s,", StringComparison.Ordinal), [a, b]);

        var result = await CallAsync(stack, headers: [("grpc-timeout", "300m")]);

        Assert.Equal("4", result.Status);
        await aborted.Task.DefaultTimeout();
        Assert.Empty(b.Calls);
    }

    [Fact]
    public async Task Pushback_NextAttemptWaitsThatLongInsteadOfTheBackoff()
    {
        await using var a = await StartAsync("a", (c, _) => TrailersOnlyAsync(c, StatusCode.Unavailable, ("grpc-retry-pushback-ms", "300")));
        await using var b = await StartAsync("b", (c, _) => MessageThenStatusAsync(c, [1], StatusCode.OK));
        await using var stack = await RetryStack.StartAsync(output, TwoHosts, [a, b]);

        var result = await CallAsync(stack);

        // The backoff is at most 5 ms; only the pushback explains a gap near 300 ms. The gap is taken where the two
        // backends' handlers start, which a loaded thread pool may delay by a few milliseconds each, hence 290.
        Assert.Equal("0", result.Status);
        var gap = Stopwatch.GetElapsedTime(Assert.Single(a.Calls).ArrivedTimestamp, Assert.Single(b.Calls).ArrivedTimestamp);
        Assert.True(gap >= TimeSpan.FromMilliseconds(290), $"gap {gap}");
    }

    [Fact]
    public async Task AttemptDuration_RetryAfterALongPushback_LastAttemptTimedFromItsOwnStart()
    {
        // The call lasts about the 1 s pushback; the successful retry itself is a quick loopback answer. Timed from
        // the call's start, its attempt would also count about 1 s. "About": the pushback is a .NET timer, which counts
        // in the coarse tick clock (4 ms steps on Linux) and may fire a few ms before the Stopwatch the durations are
        // measured with says 1 s has passed (CI saw the call at 0.99995 s).
        await using var a = await StartAsync("a", (c, _) => TrailersOnlyAsync(c, StatusCode.Unavailable, ("grpc-retry-pushback-ms", "1000")));
        await using var b = await StartAsync("b", (c, _) => MessageThenStatusAsync(c, [1], StatusCode.OK));
        await using var stack = await RetryStack.StartAsync(output, TwoHosts, [a, b]);

        var result = await CallAsync(stack);

        Assert.Equal("0", result.Status);
        var samples = await ScrapeUntilAsync(stack, s => Sum(s, "meshproxy_upstream_attempt_duration_seconds_count", ("grpc_status", "OK")) == 1);
        var call = Sum(samples, "meshproxy_request_duration_seconds_sum", ("route", "users"));
        var retry = Sum(samples, "meshproxy_upstream_attempt_duration_seconds_sum", ("backend", "b"), ("grpc_status", "OK"));
        var first = Sum(samples, "meshproxy_upstream_attempt_duration_seconds_sum", ("backend", "a"), ("grpc_status", "UNAVAILABLE"));
        // Neither try counts the pushback between them, so each is shorter than the call by about the 1 s pushback.
        // Relative, not a bound of its own: the first try also carries the first call's JIT when the test process is
        // fresh (about 1 s when this class runs alone).
        Assert.True(call >= 0.99, $"call {call}");
        Assert.True(retry <= call - 0.9, $"retry attempt {retry} of a call of {call}");
        Assert.True(first <= call - 0.9, $"first attempt {first} of a call of {call}");
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("soon")]
    public async Task Pushback_NegativeOrMalformed_StopsRetrying(string pushback)
    {
        await using var a = await StartAsync("a", (c, _) => TrailersOnlyAsync(c, StatusCode.Unavailable, ("grpc-retry-pushback-ms", pushback)));
        await using var b = await StartAsync("b", (c, _) => MessageThenStatusAsync(c, [1], StatusCode.OK));
        await using var stack = await RetryStack.StartAsync(output, TwoHosts, [a, b]);

        var result = await CallAsync(stack);

        Assert.Equal("14", result.Status);
        Assert.Equal(pushback, result.Header("grpc-retry-pushback-ms"));
        Assert.Empty(b.Calls);
    }

    [Fact]
    public async Task ClientCancel_DuringBackoff_StopsEverythingAndRecordsNoMore()
    {
        var failed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var a = await StartAsync("a", async (c, _) =>
        {
            await TrailersOnlyAsync(c, StatusCode.Unavailable);
            await c.Response.CompleteAsync();
            failed.TrySetResult();
        });
        await using var b = await StartAsync("b", (c, _) => MessageThenStatusAsync(c, [1], StatusCode.OK));
        await using var stack = await RetryStack.StartAsync(output, TwoHosts.Replace("base: 1ms, max: 5ms", "base: 1h, max: 1h", StringComparison.Ordinal), [a, b]);

        using var cancel = new CancellationTokenSource();
        var call = CallAsync(stack, cancellationToken: cancel.Token);
        await failed.Task.DefaultTimeout();
        await stack.WaitForRetryBudgetAsync("users", 1);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call).DefaultTimeout();
        await stack.WaitForIdleAsync("users");
        Assert.Empty(b.Calls);
        Assert.Equal(1, stack.Destination("users", "a").ConsecutiveGatewayFailures);
        Assert.Equal(0, stack.Destination("users", "b").ConsecutiveServerErrors);
        Assert.Equal(0, stack.Cluster("users").RetryBudget.InFlight);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CanaryRetry_StaysInItsClusterUnlessFailover(bool failover)
    {
        await using var a = await StartAsync("a", (c, _) => TrailersOnlyAsync(c, StatusCode.Unavailable));
        await using var b = await StartAsync("b", (c, _) => MessageThenStatusAsync(c, [1], StatusCode.OK));
        var yaml = $$"""
            routes:
              - name: users
                match: { method: /users.v1.UserService/* }
                backends:
                  - { cluster: v1, weight: 50 }
                  - { cluster: v2, weight: 50 }
                hashOn: { header: x-user-id }
                retry: { maxAttempts: 3, backoff: { base: 1ms, max: 2ms }, failover: {{(failover ? "true" : "false")}} }
            clusters:
              v1:
                destinations: [ { address: "{a}", name: a } ]
              v2:
                destinations: [ { address: "{b}", name: b } ]
            """;
        await using var stack = await RetryStack.StartAsync(output, yaml, [a, b]);

        // 50/50: cluster v1 owns buckets [0, 5000).
        var user = Enumerable.Range(0, 1000).Select(i => $"user-{i}").First(u => StableHash.Bucket(u) < 5_000);
        var result = await CallAsync(stack, headers: [("x-user-id", user)]);

        if (failover)
        {
            Assert.Equal("0", result.Status);
            Assert.Single(a.Calls);
            Assert.Equal("1", Assert.Single(b.Calls).Header(RetryHeader));
        }
        else
        {
            Assert.Equal("14", result.Status);
            Assert.Equal(["", "1", "2"], a.Calls.Select(c => c.Header(RetryHeader) ?? string.Empty));
            Assert.Empty(b.Calls);
        }

        await stack.WaitForIdleAsync("v1");
        await stack.WaitForIdleAsync("v2");
    }

    [Fact]
    public async Task RetryBudget_FloodOfFailingCalls_RetriesCappedByBudget()
    {
        // 200 concurrent calls to a cluster whose first tries all fail; retries are held at the backend until every
        // call has either retried or been refused a retry. percent 20 of at most 200 active calls is 40.
        const int Calls = 200;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var retries = 0;
        var decided = 0;
        var allDecided = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Decided()
        {
            if (Interlocked.Increment(ref decided) == Calls)
            {
                allDecided.TrySetResult();
            }
        }

        await using var a = await StartAsync("a", async (c, call) =>
        {
            if (call.Header(RetryHeader) is null)
            {
                await TrailersOnlyAsync(c, StatusCode.Unavailable);
                return;
            }

            Interlocked.Increment(ref retries);
            Decided();
            await release.Task;
            await MessageThenStatusAsync(c, [1], StatusCode.OK);
        });
        var yaml = """
            routes:
              - name: users
                match: { method: /users.v1.UserService/* }
                cluster: users
                retry: { maxAttempts: 2, backoff: { base: 1ms, max: 1ms } }
            clusters:
              users:
                destinations: [ { address: "{a}", name: a } ]
                retryBudget: { percent: 20, minConcurrency: 3, minRetriesPerSecond: 0 }
            """;
        await using var stack = await RetryStack.StartAsync(output, yaml, [a]);

        var calls = Enumerable.Range(0, Calls).Select(async _ =>
        {
            var result = await CallAsync(stack);
            if (result.Status == "14")
            {
                Decided();
            }

            return result.Status;
        }).ToArray();
        await allDecided.Task.DefaultTimeout();
        var retried = Volatile.Read(ref retries);
        release.TrySetResult();
        var statuses = await Task.WhenAll(calls).DefaultTimeout();

        output.WriteLine($"retries: {retried}");
        Assert.InRange(retried, 3, Calls * 20 / 100);
        Assert.Equal(retried, statuses.Count(s => s == "0"));
        Assert.Equal(Calls - retried, statuses.Count(s => s == "14"));
        await stack.WaitForIdleAsync("users");
        Assert.Equal(0, stack.Cluster("users").RetryBudget.InFlight);
    }

    private const string RetryHeader = "grpc-previous-rpc-attempts";

    private static Task<ScriptedBackend> StartAsync(string name, Func<Microsoft.AspNetCore.Http.HttpContext, RecordedCall, Task> script) =>
        ScriptedBackend.StartAsync(name, script).DefaultTimeout();

    private static string ZeroBudget(string yaml) =>
        yaml.Replace("    loadBalancing: leastRequests", "    loadBalancing: leastRequests\n    retryBudget: { percent: 0, minConcurrency: 0, minRetriesPerSecond: 0 }", StringComparison.Ordinal);

    /// <summary>Scrapes the ops listener's /metrics until <paramref name="settled"/> holds (bounded by the default timeout).</summary>
    private static async Task<IReadOnlyList<MetricsSample>> ScrapeUntilAsync(RetryStack stack, Func<IReadOnlyList<MetricsSample>, bool> settled)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        var metrics = new Uri(stack.Proxy.Address(ListenerName.Ops), "/metrics");
        return await Task.Run(async () =>
        {
            while (true)
            {
                var samples = MetricsSample.Parse(await http.GetStringAsync(metrics));
                if (settled(samples))
                {
                    return samples;
                }

                await Task.Yield();
            }
        }).DefaultTimeout();
    }

    private static double Sum(IReadOnlyList<MetricsSample> samples, string name, params (string Label, string Value)[] match) =>
        samples.Where(s => s.Name == name && match.All(m => s.Labels.TryGetValue(m.Label, out var v) && v == m.Value)).Sum(s => s.Value);

    /// <summary>Reads the first <paramref name="length"/> bytes of the body, then answers Trailers-Only UNAVAILABLE.</summary>
    private static async Task FailAfterReadingAsync(Microsoft.AspNetCore.Http.HttpContext context, int length)
    {
        await context.Request.Body.ReadAtLeastAsync(new byte[length], length, throwOnEndOfStream: true, context.RequestAborted);
        await TrailersOnlyAsync(context, StatusCode.Unavailable);
    }

    private static TimeSpan? ParseTimeout(string? value) => GrpcTimeout.TryParse(value, out var timeout) ? timeout : null;

    private static byte[] Payload(int length) => Enumerable.Range(0, length).Select(i => (byte)(i * 31 + 7)).ToArray();

    private static async Task<CallResult> CallAsync(
        RetryStack stack,
        byte[]? body = null,
        HttpContent? content = null,
        (string Name, string Value)[]? headers = null,
        CancellationToken cancellationToken = default)
    {
        using var request = GrpcHttp.UnaryRequest(stack.Address, Method, headers ?? []);
        if (content is not null || body is not null)
        {
            request.Content = content ?? new ByteArrayContent(body!);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(GrpcProtocol.ContentType);
        }

        using var response = await stack.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).DefaultTimeout();
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).DefaultTimeout();
        var responseHeaders = response.Headers.ToDictionary(h => h.Key, h => string.Join(',', h.Value), StringComparer.OrdinalIgnoreCase);
        return new CallResult(GrpcHttp.Status(response), responseHeaders, bytes);
    }

    private sealed record CallResult(string? Status, IReadOnlyDictionary<string, string> Headers, byte[] Body)
    {
        public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
    }
}
