using MeshProxy.Configuration;
using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.FunctionalTests.TrafficPolicy.Retries;
using MeshProxy.Grpc;
using MeshProxy.TestSupport;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;
using static MeshProxy.FunctionalTests.TrafficPolicy.Retries.ScriptedBackend;

namespace MeshProxy.FunctionalTests.TrafficPolicy;

/// <summary>
/// Slow start through a real sidecar and scripted backends: a destination that joins a warm cluster (as discovery adds
/// a pod) gets a small share of the calls first, and its full share once its window has passed. The sidecar's clock
/// is a FakeTimeProvider, so the window moves only when the test says.
/// </summary>
public sealed class SlowStartTests(ITestOutputHelper output)
{
    private const int Calls = 150;

    [Fact]
    public async Task SlowStart_DestinationJoinsWarmCluster_SmallShareFirstThenFull()
    {
        var time = new FakeTimeProvider();
        await using var a = await StartAsync("a", (c, _) => MessageThenStatusAsync(c, [1], StatusCode.OK)).DefaultTimeout();
        await using var b = await StartAsync("b", (c, _) => MessageThenStatusAsync(c, [1], StatusCode.OK)).DefaultTimeout();
        await using var joining = await StartAsync("joining", (c, _) => MessageThenStatusAsync(c, [1], StatusCode.OK)).DefaultTimeout();
        const string Yaml = """
            routes:
              - name: users
                match: { prefix: / }
                cluster: users
            clusters:
              users:
                destinations: [ { address: "{a}", name: a }, { address: "{b}", name: b } ]
                slowStart: { window: 60s, minWeightPercent: 5 }
            """;
        await using var stack = await RetryStack.StartAsync(output, Yaml, [a, b, joining], time: time);
        var cluster = stack.Cluster("users");
        time.Advance(TimeSpan.FromSeconds(60));

        // The new destination joins two that are past their window: 5 % of a full weight against two full ones.
        Assert.True(cluster.ReplaceDestinations([.. cluster.Config.Destinations, new DestinationConfig("joining", $"http://127.0.0.1:{joining.Port}")]));
        await CallAsync(stack, Calls);
        var early = joining.Calls.Count;

        time.Advance(TimeSpan.FromSeconds(60));
        await CallAsync(stack, Calls);
        var late = joining.Calls.Count - early;

        output.WriteLine($"joining destination: {early} of the first {Calls} calls, {late} of the next {Calls}");

        // Expected 5 % / 2.05 = 2.4 % (about 4 calls) at first, a third (50) once the window has passed.
        Assert.InRange(early, 0, 15);
        Assert.InRange(late, 40, 60);
    }

    private static async Task CallAsync(RetryStack stack, int calls)
    {
        for (var i = 0; i < calls; i++)
        {
            using var request = GrpcHttp.UnaryRequest(stack.Address, "/users.v1.UserService/GetUser");
            using var response = await stack.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).DefaultTimeout();
            await response.Content.ReadAsByteArrayAsync().DefaultTimeout();
            Assert.Equal("0", GrpcHttp.Status(response));
        }
    }
}
