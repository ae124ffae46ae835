using MeshProxy.FunctionalTests.TrafficPolicy.Retries;
using MeshProxy.Grpc;
using MeshProxy.TestSupport;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests.Upstream;

/// <summary>A destination nobody listens on: the call is UNAVAILABLE, and with retries it succeeds on another destination.</summary>
public sealed class LeanDestinationFailureTests(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(UpstreamClients.Both), MemberType = typeof(UpstreamClients))]
    public async Task DestinationDown_ConnectionRefused_Unavailable(string client)
    {
        await using var stack = await RetryStack.StartAsync(output, UpstreamClients.Config("""[ { address: "{dead}", name: dead } ]""", route: "retry: { maxAttempts: 1 }", cluster: "connectTimeout: 2s"), []);

        var outcome = await UpstreamCall.SendAsync(stack.Client, stack.Address, client);

        output.WriteLine(outcome.ToString());
        Assert.Equal("14", outcome.Status);
        Assert.Null(outcome.Failure);
    }

    [Fact]
    public async Task DestinationDown_LeanAndSocketsGiveTheCallerTheSame()
    {
        await using var stack = await RetryStack.StartAsync(output, UpstreamClients.Config("""[ { address: "{dead}", name: dead } ]""", route: "retry: { maxAttempts: 1 }", cluster: "connectTimeout: 2s"), []);

        var sockets = await UpstreamCall.SendAsync(stack.Client, stack.Address, UpstreamClients.Sockets);
        var lean = await UpstreamCall.SendAsync(stack.Client, stack.Address, UpstreamClients.Lean);

        Assert.Equal(sockets, lean);
    }

    [Theory]
    [MemberData(nameof(UpstreamClients.Both), MemberType = typeof(UpstreamClients))]
    public async Task DestinationDown_WithRetries_SucceedsOnTheOtherDestination(string client)
    {
        await using var b = await ScriptedBackend.StartAsync("b", (c, _) => ScriptedBackend.MessageThenStatusAsync(c, [7], StatusCode.OK)).DefaultTimeout();

        // leastRequests with both idle takes the first listed, the dead one: the first attempt always fails to connect.
        await using var stack = await RetryStack.StartAsync(
            output,
            UpstreamClients.Config(
                """[ { address: "{dead}", name: dead }, { address: "{b}", name: b } ]""",
                route: "retry: { backoff: { base: 1ms, max: 5ms } }",
                cluster: "loadBalancing: leastRequests\nconnectTimeout: 2s"),
            [b]);

        var outcome = await UpstreamCall.SendAsync(stack.Client, stack.Address, client);

        Assert.Equal("0", outcome.Status);
        Assert.Equal("1", Assert.Single(b.Calls).Header("grpc-previous-rpc-attempts"));
    }
}
