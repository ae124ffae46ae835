using System.Net;
using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.FunctionalTests.TrafficPolicy.Overload;
using MeshProxy.FunctionalTests.TrafficPolicy.Retries;
using MeshProxy.FunctionalTests.Upstream;
using MeshProxy.Grpc;
using MeshProxy.Hosting;
using MeshProxy.TestSupport;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests;

/// <summary>
/// Both servers read and write through the sidecar's <see cref="ConnectionBufferPool"/>, and dropping its spare blocks
/// (what the idle trim does) leaves the calls in flight whole.
/// </summary>
public sealed class ConnectionBufferPoolTests(ITestOutputHelper output)
{
    private static readonly string Config = UpstreamClients.Config("""[ { address: "{a}", name: a } ]""");

    [Theory]
    [MemberData(nameof(UpstreamClients.Both), MemberType = typeof(UpstreamClients))]
    public async Task SpareBlocksDropped_MidStream_TheStreamEndsWhole_AndBothServersUseThePool(string client)
    {
        var secondMessage = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var a = await ScriptedBackend.StartAsync("a", async (context, _) =>
        {
            context.Response.ContentType = GrpcProtocol.ContentType;
            await context.Response.Body.WriteAsync(GrpcFrames.Frame([1]));
            await context.Response.Body.FlushAsync();
            await secondMessage.Task.WaitAsync(context.RequestAborted);
            await context.Response.Body.WriteAsync(GrpcFrames.Frame([2]));
            context.Response.AppendTrailer(GrpcProtocol.StatusHeader, "0");
        }).DefaultTimeout();
        await using var stack = await RetryStack.StartAsync(output, Config, [a]);
        var pool = stack.Proxy.Services.GetRequiredService<ConnectionBufferPool>();

        // The control server: an ops probe is read into new blocks once there are no spare ones. Every block is back
        // first: one a connection of the proxy's start was still giving back would otherwise be rented again by the
        // probe (Held unchanged, a failure seen once in a full run).
        await OverloadStack.WaitUntilAsync(() => pool.Held == pool.Spare);
        pool.ReleaseSpare();
        var before = pool.Held;
        using (var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }))
        {
            using var live = await http.GetAsync(new Uri(stack.Proxy.Address(ListenerName.Ops), "/healthz/live")).DefaultTimeout();
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }

        Assert.True(pool.Held > before, $"the ops listener made no block of the pool ({pool.Held} held)");

        // The traffic server: a call, its first message read, then every spare block dropped while it is open. The
        // probe's connection has closed, but its blocks may still be on their way back.
        await OverloadStack.WaitUntilAsync(() => pool.Held == pool.Spare);
        pool.ReleaseSpare();
        before = pool.Held;
        using var request = GrpcHttp.UnaryRequest(stack.Address, UpstreamCall.Method, UpstreamClients.Pick(client));
        using var response = await stack.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).DefaultTimeout();
        await using var body = await response.Content.ReadAsStreamAsync().DefaultTimeout();
        var first = new byte[GrpcFrames.PrefixLength + 1];
        await body.ReadExactlyAsync(first).AsTask().DefaultTimeout();
        Assert.Equal(GrpcFrames.Frame([1]), first);
        Assert.True(pool.Held > before, $"the gRPC listener made no block of the pool ({pool.Held} held)");

        // A block a connection is giving back (the first message's, once sent) may land just after a drop: drop until
        // none is spare.
        await OverloadStack.WaitUntilAsync(() =>
        {
            pool.ReleaseSpare();
            return pool.Spare == 0;
        });
        secondMessage.SetResult();

        using var rest = new MemoryStream();
        await body.CopyToAsync(rest).DefaultTimeout();
        Assert.Equal(GrpcFrames.Frame([2]), rest.ToArray());
        Assert.Equal("0", GrpcHttp.Status(response));
        await OverloadStack.WaitUntilAsync(() => pool.Spare > 0);
    }
}
