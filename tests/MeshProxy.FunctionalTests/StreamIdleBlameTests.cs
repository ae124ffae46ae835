using System.Net.Http.Headers;
using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.FunctionalTests.TrafficPolicy.Overload;
using MeshProxy.FunctionalTests.TrafficPolicy.Retries;
using MeshProxy.FunctionalTests.Upstream;
using MeshProxy.Grpc;
using MeshProxy.Routing;
using MeshProxy.TestSupport;
using MeshProxy.TrafficPolicy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using Yarp.ReverseProxy.Forwarder;

namespace MeshProxy.FunctionalTests;

/// <summary>
/// Who the route's stream idle timeout blames when it fires before response headers. A caller that sent a message and
/// then went quiet without ending its request stalled the call: the destination, which like grpc-dotnet's unary and
/// server-streaming handlers waits for the whole request, did nothing wrong. A destination that had the whole request
/// and sent nothing is at fault, as before.
/// </summary>
/// <remarks>
/// YARP 2.3.0 fails the upstream send (cancelled) and the request copy (its read from the caller cancelled) on the same
/// timer tick, and reports RequestTimedOut when it looks at the send's failure before the copy has finished, else
/// RequestBodyClient; the thread pool picks the order. <see cref="HoldCutReads"/> makes the order the bad one every time:
/// a read from the caller that the timer cut returns only once YARP has reported its error, as happens whenever the
/// copy's continuation runs late. (Once response headers have arrived YARP cannot report RequestTimedOut at all: a
/// caller that stops reading a started response is cut in the body copy, ResponseBody*, which WriteBehindBody covers.)
/// </remarks>
public sealed class StreamIdleBlameTests(ITestOutputHelper output)
{
    private static readonly string Config = UpstreamClients.Config(
        """[ { address: "{a}", name: a } ]""",
        route: "retry: { maxAttempts: 1 }\nstreamIdleTimeout: 500ms");

    [Theory]
    [MemberData(nameof(UpstreamClients.Both), MemberType = typeof(UpstreamClients))]
    public async Task StreamIdleTimeout_CallerQuietWithRequestOpenAndYarpSeesTheSendFirst_CallerBlamedNotTheDestination(string client)
    {
        var hold = new HoldCutReads();
        await using var a = await StartBackendAsync();
        await using var stack = await RetryStack.StartAsync(output, Config, [a], configureServices: hold.Register);
        var destination = stack.Proxy.Services.GetRequiredService<ProxySnapshotProvider>().Clusters[client].Destinations.Single();
        await WarmAsync(stack, client);

        // Two messages in one write, then the request stays open and quiet: the backend waits for its end and sends no
        // headers. Two messages show a streaming call, which the sidecar's commit gate (Protection/CallerCommitGate)
        // forwards at once, so the request copy's next read goes to the caller's body (and through HoldCutReads).
        var requestEnd = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var request = GrpcHttp.UnaryRequest(stack.Address, UpstreamCall.Method, UpstreamClients.Pick(client));
        request.Content = new StreamingContent([[.. GrpcFrames.Frame([1]), .. GrpcFrames.Frame([2])]], requestEnd.Task);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(GrpcProtocol.ContentType);
        hold.Arm();
        using var response = await stack.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).DefaultTimeout();
        await response.Content.CopyToAsync(Stream.Null).DefaultTimeout();
        await OverloadStack.WaitUntilAsync(() => destination.InFlight == 0);
        requestEnd.SetResult();

        // YARP took the path under test (it saw the send's failure first), and the call still blames the caller.
        Assert.Equal(ForwarderError.RequestTimedOut, await hold.Reported.DefaultTimeout());
        Assert.Equal(((int)StatusCode.Cancelled).ToString(System.Globalization.CultureInfo.InvariantCulture), GrpcHttp.Status(response));
        Assert.Equal("stream idle timeout: the caller sent nothing for 500 ms", Uri.UnescapeDataString(response.Headers.GetValues("grpc-message").Single()));
        AssertNotBlamed(destination);
    }

    [Theory]
    [MemberData(nameof(UpstreamClients.Both), MemberType = typeof(UpstreamClients))]
    public async Task StreamIdleTimeout_DestinationSilentAfterTheWholeRequest_DestinationBlamedAndUnavailable(string client)
    {
        var hold = new HoldCutReads();
        await using var a = await StartBackendAsync();
        await using var stack = await RetryStack.StartAsync(output, Config, [a], configureServices: hold.Register);
        var destination = stack.Proxy.Services.GetRequiredService<ProxySnapshotProvider>().Clusters[client].Destinations.Single();
        await WarmAsync(stack, client);

        // The whole request goes up and the backend answers nothing: the destination's failure, whatever the order.
        using var response = await stack.Client.SendAsync(GrpcHttp.UnaryRequest(stack.Address, UpstreamCall.Method, UpstreamClients.Pick(client), ("x-hang", "1")), HttpCompletionOption.ResponseHeadersRead).DefaultTimeout();
        await response.Content.CopyToAsync(Stream.Null).DefaultTimeout();
        await OverloadStack.WaitUntilAsync(() => destination.InFlight == 0);

        Assert.Equal(((int)StatusCode.Unavailable).ToString(System.Globalization.CultureInfo.InvariantCulture), GrpcHttp.Status(response));
        Assert.Equal(1, destination.ConsecutiveGatewayFailures + destination.ConsecutiveLocalOriginFailures);
    }

    /// <summary>
    /// Reads the whole request first (grpc-dotnet's unary and server-streaming handlers do), then answers one message
    /// and OK; a call carrying <c>x-hang</c> gets nothing until the sidecar cancels it.
    /// </summary>
    private static Task<ScriptedBackend> StartBackendAsync() =>
        ScriptedBackend.StartAsync("a", async (c, call) =>
        {
            if (call.Header("x-hang") is not null)
            {
                try
                {
                    await Task.Delay(Timeout.Infinite, c.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    // The sidecar's idle timeout cancelled the upstream call.
                }

                return;
            }

            await ScriptedBackend.MessageThenStatusAsync(c, [9], StatusCode.OK);
        }).DefaultTimeout();

    /// <summary>
    /// Calls until one completes OK, so the timed call does not pay for a cold path: the first call of a fresh process
    /// compiles it, and its connect alone took longer than the idle timeout (see StreamCutTests.WarmAsync). The OK
    /// answer also clears what a cold call's timeout counted against the destination.
    /// </summary>
    private static async Task WarmAsync(RetryStack stack, string client)
    {
        for (var i = 0; i < 5; i++)
        {
            if ((await UpstreamCall.SendAsync(stack.Client, stack.Address, client)).Status == "0")
            {
                return;
            }
        }

        Assert.Fail("no call through the sidecar completed OK in 5 tries");
    }

    private static void AssertNotBlamed(DestinationState destination)
    {
        Assert.False(destination.Ejected);
        Assert.Equal(0, destination.ConsecutiveGatewayFailures);
        Assert.Equal(0, destination.ConsecutiveLocalOriginFailures);
        Assert.Equal(0, destination.ConsecutiveServerErrors);
    }

    /// <summary>
    /// Once armed, wraps the next gRPC call's request body (beneath the sidecar's own wrappers) so that a read cut by
    /// cancellation, while the caller is still there, returns its cancellation only after YARP has set its
    /// <see cref="IForwarderErrorFeature"/>: the request copy then ends after YARP has chosen its error, the order in
    /// which YARP reports RequestTimedOut. <see cref="Reported"/> is the error YARP chose. The hold is bounded (3 s) so
    /// that an upstream client that waited for the request body before failing the send would show up as a different
    /// <see cref="Reported"/>, not as a hang.
    /// </summary>
    private sealed class HoldCutReads : IStartupFilter
    {
        private readonly TaskCompletionSource<ForwarderError> _reported = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _armed;

        public Task<ForwarderError> Reported => _reported.Task;

        public void Register(IServiceCollection services) => services.AddSingleton<IStartupFilter>(this);

        public void Arm() => Volatile.Write(ref _armed, 1);

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, following) =>
            {
                if (!GrpcProtocol.IsGrpcContentType(context.Request.ContentType) || Interlocked.Exchange(ref _armed, 0) == 0)
                {
                    await following(context);
                    return;
                }

                context.Request.Body = new HeldBody(context, context.Request.Body);
                await following(context);
                _reported.TrySetResult(context.Features.Get<IForwarderErrorFeature>()?.Error ?? ForwarderError.None);
            });
            next(app);
        };
    }

    private sealed class HeldBody(HttpContext context, Stream inner) : MeshProxy.IO.NonSeekableStream
    {
        public override bool CanRead => true;

        public override bool CanWrite => false;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                return await inner.ReadAsync(buffer, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
            {
                var waited = System.Diagnostics.Stopwatch.StartNew();
                while (context.Features.Get<IForwarderErrorFeature>() is null && waited.Elapsed < TimeSpan.FromSeconds(3))
                {
                    await Task.Delay(5);
                }

                throw;
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override void Flush()
        {
        }

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
