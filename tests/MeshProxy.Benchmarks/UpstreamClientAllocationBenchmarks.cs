using BenchmarkDotNet.Attributes;
using MeshProxy.Samples.Users.V1;

namespace MeshProxy.Benchmarks;

/// <summary>
/// Bytes allocated per unary gRPC call through the real in-process path (client, proxy and a minimal h2c backend in
/// one process) with each HTTP/2 client to the upstream (<c>http2.client</c>: SocketsHttpHandler or the lean client of
/// <c>MeshProxy.Upstream</c>), one call at a time and 32 in flight, on a route with the bench config's policies
/// (docs/benchmarks.md, "The lean HTTP/2 upstream client"). Client and backend allocate the same in both rows, so the
/// difference is the upstream client's. Allocation figures do not depend on the machine's load; the time columns do.
/// </summary>
[MemoryDiagnoser]
public class UpstreamClientAllocationBenchmarks
{
    private const int Calls = 64;

    private InProcessProxyStack? _stack;
    private UserService.UserServiceClient? _users;

    /// <summary>The cluster's <c>http2.client</c>.</summary>
    [Params("sockets", "lean")]
    public string Client { get; set; } = "sockets";

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup() => CleanupAsync().GetAwaiter().GetResult();

    /// <summary>One call at a time.</summary>
    [Benchmark(OperationsPerInvoke = Calls)]
    public async Task Unary_OneInFlight()
    {
        var request = new GetUserRequest { UserId = "u-1001" };
        for (var i = 0; i < Calls; i++)
        {
            using var call = _users!.GetUserAsync(request);
            await call.ResponseAsync.ConfigureAwait(false);
        }
    }

    /// <summary>32 calls in flight, twice.</summary>
    [Benchmark(OperationsPerInvoke = Calls)]
    public async Task Unary_ThirtyTwoInFlight()
    {
        var request = new GetUserRequest { UserId = "u-1001" };
        for (var batch = 0; batch < Calls / 32; batch++)
        {
            var calls = new Task[32];
            for (var i = 0; i < calls.Length; i++)
            {
                calls[i] = _users!.GetUserAsync(request).ResponseAsync;
            }

            await Task.WhenAll(calls).ConfigureAwait(false);
        }
    }

    private async Task SetupAsync()
    {
        _stack = await InProcessProxyStack.StartAsync(port => $$"""
            routes:
              - name: users
                match: { method: /users.v1.UserService/* }
                cluster: users
                timeout: 30s
                retry: { retryOn: [unavailable, connect-failure, refused-stream], maxAttempts: 3, perTryTimeout: 10s }
            clusters:
              users:
                destinations: [ { address: "http://127.0.0.1:{{port}}" } ]
                http2: { client: {{Client}} }
            """).ConfigureAwait(false);
        _users = _stack.Users;
        await Unary_ThirtyTwoInFlight().ConfigureAwait(false);
    }

    private async Task CleanupAsync()
    {
        if (_stack is not null)
        {
            await _stack.DisposeAsync().ConfigureAwait(false);
        }
    }
}
