using BenchmarkDotNet.Attributes;
using Grpc.Core;
using MeshProxy.Samples.Users.V1;

namespace MeshProxy.Benchmarks;

/// <summary>
/// Bytes allocated per unary gRPC call through the real in-process path (client, proxy and a minimal h2c backend in
/// one process, one call at a time), for the deadline and per-try timeout a route can arm. The routes differ only by
/// their policy, picked by a header, so the difference between two rows is what that policy costs a call
/// (docs/benchmarks.md, "One timer per call"): the route's timeout alone, retries alone, the bench config's route
/// (timeout 30s, retries with a per-try timeout of 10s, which is shorter than the time left and so needs its own
/// timer), and that route called with a grpc-timeout of 5s (the per-try timeout is then not shorter than the time
/// left). Allocation figures do not depend on the machine's load; the time columns do.
/// </summary>
[MemoryDiagnoser]
public class CallDeadlineAllocationBenchmarks
{
    private const int Calls = 64;

    private static readonly Metadata Plain = new() { { "x-policy", "none" } };
    private static readonly Metadata TimeoutOnly = new() { { "x-policy", "timeout" } };
    private static readonly Metadata Retries = new() { { "x-policy", "retries" } };
    private static readonly Metadata Bench = new() { { "x-policy", "bench" } };

    private InProcessProxyStack? _stack;
    private UserService.UserServiceClient? _users;

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup() => CleanupAsync().GetAwaiter().GetResult();

    /// <summary>A route with no timeout and no retries.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Calls)]
    public Task Unary_NoPolicy() => RunAsync(Plain, callerTimeout: null);

    /// <summary>The route's timeout (30s) alone: the deadline.</summary>
    [Benchmark(OperationsPerInvoke = Calls)]
    public Task Unary_RouteTimeout() => RunAsync(TimeoutOnly, callerTimeout: null);

    /// <summary>Retries alone (no timeout, no per-try timeout): the body recorded for replays.</summary>
    [Benchmark(OperationsPerInvoke = Calls)]
    public Task Unary_Retries() => RunAsync(Retries, callerTimeout: null);

    /// <summary>The bench config's route: timeout 30s, retries with a per-try timeout of 10s (shorter than the time left).</summary>
    [Benchmark(OperationsPerInvoke = Calls)]
    public Task Unary_BenchRoute() => RunAsync(Bench, callerTimeout: null);

    /// <summary>The bench route called with a grpc-timeout of 5s: the per-try timeout (10s) is not shorter than the time left.</summary>
    [Benchmark(OperationsPerInvoke = Calls)]
    public Task Unary_BenchRouteCallerDeadline5s() => RunAsync(Bench, callerTimeout: TimeSpan.FromSeconds(5));

    private async Task RunAsync(Metadata headers, TimeSpan? callerTimeout)
    {
        var request = new GetUserRequest { UserId = "u-1001" };
        for (var i = 0; i < Calls; i++)
        {
            DateTime? deadline = callerTimeout is { } t ? DateTime.UtcNow + t : null;
            using var call = _users!.GetUserAsync(request, headers, deadline);
            await call.ResponseAsync.ConfigureAwait(false);
        }
    }

    private async Task SetupAsync()
    {
        _stack = await InProcessProxyStack.StartAsync(port => $$"""
            routes:
              - name: timeout
                match: { method: /users.v1.UserService/*, headers: [ { name: x-policy, exact: timeout } ] }
                cluster: users
                timeout: 30s
              - name: retries
                match: { method: /users.v1.UserService/*, headers: [ { name: x-policy, exact: retries } ] }
                cluster: users
                retry: { retryOn: [unavailable, connect-failure, refused-stream], maxAttempts: 3 }
              - name: bench
                match: { method: /users.v1.UserService/*, headers: [ { name: x-policy, exact: bench } ] }
                cluster: users
                timeout: 30s
                retry: { retryOn: [unavailable, connect-failure, refused-stream], maxAttempts: 3, perTryTimeout: 10s }
              - name: none
                match: { method: /users.v1.UserService/*, headers: [ { name: x-policy, exact: none } ] }
                cluster: users
            clusters:
              users: { destinations: [ { address: "http://127.0.0.1:{{port}}" } ] }
            """).ConfigureAwait(false);
        _users = _stack.Users;
        await Unary_NoPolicy().ConfigureAwait(false);
        await Unary_RouteTimeout().ConfigureAwait(false);
        await Unary_Retries().ConfigureAwait(false);
        await Unary_BenchRoute().ConfigureAwait(false);
        await Unary_BenchRouteCallerDeadline5s().ConfigureAwait(false);
    }

    private async Task CleanupAsync()
    {
        if (_stack is not null)
        {
            await _stack.DisposeAsync().ConfigureAwait(false);
        }
    }
}
