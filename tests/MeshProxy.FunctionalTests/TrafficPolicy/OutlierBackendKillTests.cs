using Grpc.Core;
using MeshProxy.Samples.Users.V1;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.TrafficPolicy;

/// <summary>
/// Losing one of three backends under load: retries on connect failures and refused or reset streams cover the calls
/// already on their way to it, and outlier ejection takes it out of the picks, so callers barely notice.
/// </summary>
public sealed class OutlierBackendKillTests
{
    private const int Calls = 3000;
    private const int Callers = 16;
    private const int KillAfter = 1000;

    [Fact]
    public async Task Outlier_OneOfThreeBackendsKilledUnderLoad_UnarySuccessRateAtLeast999PerMille()
    {
        // The default retry budget (at least 3 retries in flight, 20% of the active calls). When the backend dies,
        // new calls keep meeting its closed port until it is ejected: with 16 callers more than 3 connect failures
        // are retried at once, and these take no budget slot (never reached a server), so none is forwarded.
        await using var stack = await OutlierStack.StartAsync(3, ports => $$"""
            routes:
              - name: users
                match: { method: /users.v1.UserService/* }
                cluster: users
                retry: { retryOn: [unavailable, connect-failure, refused-stream, reset], maxAttempts: 3 }
            clusters:
              users:
                destinations:
                  - { address: "http://127.0.0.1:{{ports[0]}}", name: b0 }
                  - { address: "http://127.0.0.1:{{ports[1]}}", name: b1 }
                  - { address: "http://127.0.0.1:{{ports[2]}}", name: b2 }
            """);
        var started = 0;
        var completed = 0;
        var succeeded = 0;
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var killNow = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        async Task CallerAsync()
        {
            while (Interlocked.Increment(ref started) <= Calls)
            {
                using var call = stack.Users.GetUserAsync(new GetUserRequest { UserId = "u-1001" });
                try
                {
                    await call.ResponseAsync.DefaultTimeout();
                    Interlocked.Increment(ref succeeded);
                }
                catch (RpcException ex)
                {
                    failures.Enqueue($"{ex.StatusCode}: {ex.Status.Detail}");
                }

                if (Interlocked.Increment(ref completed) == KillAfter)
                {
                    killNow.TrySetResult();
                }
            }
        }

        var kill = Task.Run(async () =>
        {
            await killNow.Task;
            await stack.Backends[2].DisposeAsync();
        });
        await Task.WhenAll(Enumerable.Range(0, Callers).Select(_ => Task.Run(CallerAsync))).DefaultTimeout();
        await kill.DefaultTimeout();

        Assert.Equal(Calls, completed);
        Assert.True(succeeded * 1000L >= Calls * 999L, $"{succeeded} of {Calls} succeeded; failures:\n{string.Join('\n', failures.Take(20))}");
        var dead = stack.Cluster("users").Destinations[2];
        Assert.True(dead.Ejected, $"the dead backend was not ejected (g={dead.ConsecutiveGatewayFailures}, times={dead.TimesEjected})");
    }
}
