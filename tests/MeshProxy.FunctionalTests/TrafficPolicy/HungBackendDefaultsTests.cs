using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.FunctionalTests.TrafficPolicy.Retries;
using MeshProxy.Grpc;
using MeshProxy.TestSupport;
using Xunit.Abstractions;
using static MeshProxy.FunctionalTests.TrafficPolicy.Retries.ScriptedBackend;

namespace MeshProxy.FunctionalTests.TrafficPolicy;

/// <summary>
/// Issue 12, a hung backend with the DEFAULT config (round robin, default retries and outlier detection, no per-try
/// timeout or hedging): the rotation passes over a destination that holds calls its peers have finished, and callers
/// that cancel at their own deadline while its peers answer eject it.
/// </summary>
public sealed class HungBackendDefaultsTests(ITestOutputHelper output)
{
    private const string CreateUser = "/users.v1.UserService/CreateUser";

    // Plain round robin would hand the hung destination a call from every one of them within a few calls.
    private const int Callers = 24;

    private const string ThreeDestinations = """
        routes:
          - name: users
            match: { method: /users.v1.UserService/* }
            cluster: users
        clusters:
          users:
            destinations: [ { address: "{a}", name: a }, { address: "{b}", name: b }, { address: "{c}", name: c } ]
        """;

    [Fact]
    public async Task HungDestination_DefaultConfigUnderLoad_FewCallsReachItItIsEjectedAndPeersServeTheRest()
    {
        // b answers until the test flips it, then never again: the calls it takes after that are counted.
        var hang = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var hungCalls = new StrongBox<int>();
        await using var a = await StartAsync("a", (c, _) => MessageThenStatusAsync(c, [1], StatusCode.OK)).DefaultTimeout();
        await using var b = await StartAsync("b", (c, call) =>
        {
            if (!hang.Task.IsCompleted)
            {
                return MessageThenStatusAsync(c, [1], StatusCode.OK);
            }

            Interlocked.Increment(ref hungCalls.Value);
            return HangAsync(c, call);
        }).DefaultTimeout();
        await using var c = await StartAsync("c", (c, _) => MessageThenStatusAsync(c, [1], StatusCode.OK)).DefaultTimeout();
        await using var stack = await RetryStack.StartAsync(output, ThreeDestinations, [a, b, c]);
        var hung = stack.Destination("users", "b");

        // Callers call back to back until b is ejected; a call b takes after the flip ends at its caller's deadline.
        // b hangs once every caller has made a few calls (the sidecar is warm, as in bench/chaos.sh's hang at 6 s).
        var outcomes = new ConcurrentQueue<string>();
        var warm = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var callers = Task.WhenAll(Enumerable.Range(0, Callers).Select(_ => Task.Run(async () =>
        {
            while (!hung.Ejected)
            {
                outcomes.Enqueue(await CallAsync(stack, TimeSpan.FromSeconds(2)));
                if (outcomes.Count >= Callers * 5)
                {
                    warm.TrySetResult();
                }
            }
        })));
        await warm.Task.DefaultTimeout();
        hang.SetResult();
        await callers.DefaultTimeout();

        // Plain round robin hands b a call of every caller within a few calls (all of them lost), then again after
        // each deadline while nothing ejects it. Here b stops getting calls once it holds two more than a peer, so
        // at most about a third of the callers lose a call; every call b did not take was answered.
        var cancelled = outcomes.Count(o => o == "cancelled");
        output.WriteLine($"{outcomes.Count} calls, {hungCalls.Value} reached b after it hung, {cancelled} cancelled");
        Assert.Equal(1, hung.TimesEjected);
        Assert.InRange(hungCalls.Value, 1, Callers * 3 / 4);
        Assert.True(cancelled >= hungCalls.Value);
        Assert.All(outcomes.Where(o => o != "cancelled"), o => Assert.Equal("0", o));

        // Ejected: every later call completes on its peers.
        var reached = b.Calls.Count;
        for (var i = 0; i < 12; i++)
        {
            Assert.Equal("0", await CallAsync(stack, TimeSpan.FromSeconds(10)));
        }

        Assert.Equal(reached, b.Calls.Count);
        await stack.WaitForIdleAsync("users");
    }

    [Fact]
    public async Task CallerCancelsLongBeforeItsDeadline_SaysNothingAboutTheDestination()
    {
        // The same silence, but the callers give up at 1 s of a 10 s deadline: a caller's own choice, not evidence.
        await using var a = await StartAsync("a", (c, _) => MessageThenStatusAsync(c, [1], StatusCode.OK)).DefaultTimeout();
        await using var b = await StartAsync("b", HangAsync).DefaultTimeout();
        var yaml = ThreeDestinations.Replace(", { address: \"{c}\", name: c }", string.Empty, StringComparison.Ordinal);
        await using var stack = await RetryStack.StartAsync(output, yaml, [a, b]);
        var hung = stack.Destination("users", "b");

        // Round robin over two, one call at a time: b takes every second one (five would eject it if they counted).
        for (var i = 0; i < 14; i++)
        {
            await CallAsync(stack, TimeSpan.FromSeconds(1), grpcTimeout: "10S");
            await stack.WaitForIdleAsync("users");
        }

        Assert.InRange(b.Calls.Count, 5, 7);
        Assert.False(hung.Ejected);
        Assert.Equal(0, hung.ConsecutiveLocalOriginFailures);
        Assert.Equal(0, hung.ConsecutiveServerErrors);
    }

    private static Task HangAsync(Microsoft.AspNetCore.Http.HttpContext context, RecordedCall call) =>
        Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);

    /// <summary>
    /// One CreateUser whose caller cancels at <paramref name="deadline"/>. The header promises a quarter more by
    /// default, so the caller's timer, not the sidecar's, ends a hung try, as with real clients whose timers start
    /// first. Returns the grpc-status, or <c>cancelled</c>.
    /// </summary>
    private static async Task<string> CallAsync(RetryStack stack, TimeSpan deadline, string? grpcTimeout = null)
    {
        grpcTimeout ??= $"{(int)(deadline.TotalMilliseconds * 1.25)}m";
        using var cts = new CancellationTokenSource(deadline);
        using var request = GrpcHttp.UnaryRequest(stack.Address, CreateUser, ("grpc-timeout", grpcTimeout));
        try
        {
            using var response = await stack.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token).DefaultTimeout();
            await response.Content.ReadAsByteArrayAsync(cts.Token).DefaultTimeout();
            return GrpcHttp.Status(response) ?? "none";
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            return "cancelled";
        }
    }
}
