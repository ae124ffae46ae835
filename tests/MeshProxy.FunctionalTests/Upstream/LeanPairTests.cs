using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.FunctionalTests.TrafficPolicy.Retries;
using MeshProxy.Grpc;
using MeshProxy.TestSupport;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Xunit.Abstractions;
using static MeshProxy.FunctionalTests.TrafficPolicy.Retries.ScriptedBackend;

namespace MeshProxy.FunctionalTests.Upstream;

/// <summary>
/// The lean HTTP/2 client pinned to today's: each scenario is one scripted reply from a Kestrel backend, fetched once
/// through a <c>client: sockets</c> cluster and once through a <c>client: lean</c> cluster of the same sidecar, and the
/// caller must see the same thing from both (status, message, headers, trailers, body bytes, how the stream ended).
/// Each scenario also names what the sockets client gives today, so the pair cannot agree on something broken.
/// </summary>
public sealed class LeanPairTests(ITestOutputHelper output)
{
    private static readonly byte[] Binary = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff, 0x0a, 0x0d];

    private static readonly Dictionary<string, (string Expected, Func<HttpContext, RecordedCall, Task> Script)> Scenarios = new()
    {
        ["message, metadata both kinds, trailers"] = ("grpc-status 0", async (c, _) =>
        {
            c.Response.Headers["x-meta"] = "a b,c ~!:;=";
            c.Response.Headers["x-meta-bin"] = Convert.ToBase64String(Binary);
            c.Response.AppendTrailer("x-trailer", "t 1");
            c.Response.AppendTrailer("x-trailer-bin", Convert.ToBase64String(Binary.Reverse().ToArray()));
            await MessageThenStatusAsync(c, [1, 2, 3], StatusCode.OK);
        }),
        ["five messages, empty to 70000 bytes"] = ("grpc-status 0", async (c, _) =>
        {
            c.Response.ContentType = GrpcProtocol.ContentType;
            foreach (var size in new[] { 0, 1, 100, 16_384, 70_000 })
            {
                await c.Response.Body.WriteAsync(GrpcFrames.Frame(Pattern(size)));
                await c.Response.Body.FlushAsync();
            }

            c.Response.AppendTrailer(GrpcProtocol.StatusHeader, "0");
        }),
        ["headers then trailers, no message"] = ("grpc-status 0", async (c, _) =>
        {
            c.Response.ContentType = GrpcProtocol.ContentType;
            await c.Response.StartAsync();
            c.Response.AppendTrailer(GrpcProtocol.StatusHeader, "0");
        }),
        ["message then an error with details-bin"] = ("grpc-status 9", async (c, _) =>
        {
            c.Response.AppendTrailer("grpc-message", GrpcMessageEncoding.Encode("nö: 100% failed\r\n"));
            c.Response.AppendTrailer("grpc-status-details-bin", Convert.ToBase64String(Binary));
            await MessageThenStatusAsync(c, [9], StatusCode.FailedPrecondition);
        }),
        ["Trailers-Only error"] = ("grpc-status 5", (c, _) => TrailersOnlyAsync(c, StatusCode.NotFound, ("x-why", "gone"), ("x-why-bin", Convert.ToBase64String(Binary)))),
        ["request messages echoed back"] = ("grpc-status 0", async (c, call) =>
        {
            c.Response.ContentType = GrpcProtocol.ContentType;
            await c.Response.Body.WriteAsync(call.Body);
            c.Response.AppendTrailer(GrpcProtocol.StatusHeader, "0");
        }),
        ["16 KiB header and 8 KiB trailer"] = ("grpc-status 0", async (c, _) =>
        {
            c.Response.Headers["x-big"] = new string('h', 16 * 1024);
            c.Response.AppendTrailer("x-big-trailer", new string('t', 8 * 1024));
            await MessageThenStatusAsync(c, [4], StatusCode.OK);
        }),
        ["1000 small messages"] = ("grpc-status 0", async (c, _) =>
        {
            c.Response.ContentType = GrpcProtocol.ContentType;
            for (var i = 0; i < 1000; i++)
            {
                await c.Response.Body.WriteAsync(GrpcFrames.Frame([(byte)i, (byte)(i >> 8)]));
                if (i % 7 == 0)
                {
                    await c.Response.Body.FlushAsync();
                }
            }

            c.Response.AppendTrailer(GrpcProtocol.StatusHeader, "0");
        }),
        ["100 headers, repeated names, 20 trailers"] = ("grpc-status 0", async (c, _) =>
        {
            for (var i = 0; i < 100; i++)
            {
                c.Response.Headers.Append($"x-h{i % 60}", $"value {i} {new string('v', i * 7)}");
            }

            for (var i = 0; i < 20; i++)
            {
                c.Response.AppendTrailer($"x-t{i % 15}", $"trailer {i}");
            }

            await MessageThenStatusAsync(c, [8], StatusCode.OK);
        }),
        ["Trailers-Only before reading a 256 KiB request"] = ("grpc-status 8", (c, _) => TrailersOnlyAsync(c, StatusCode.ResourceExhausted)),
        ["HTTP 503 without grpc-status"] = ("HTTP 503", (c, _) =>
        {
            c.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return Task.CompletedTask;
        }),
        ["RST_STREAM CANCEL before headers"] = ("grpc-status 14", (c, _) => Reset(c, 0x8)),
        ["RST_STREAM INTERNAL_ERROR before headers"] = ("grpc-status 14", (c, _) => Reset(c, 0x2)),
        ["RST_STREAM REFUSED_STREAM before headers"] = ("grpc-status 14", (c, _) => Reset(c, 0x7)),
        ["RST_STREAM INTERNAL_ERROR after a message"] = ("RST_STREAM 0x2", async (c, _) =>
        {
            c.Response.ContentType = GrpcProtocol.ContentType;
            await c.Response.Body.WriteAsync(GrpcFrames.Frame([6]));
            await c.Response.Body.FlushAsync();
            await Task.Delay(50);
            await Reset(c, 0x2);
        }),
        ["deadline passes while the backend hangs"] = ("grpc-status 4", async (c, _) =>
        {
            try
            {
                await Task.Delay(Timeout.Infinite, c.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                // The sidecar ended the upstream call at the deadline.
            }
        }),
    };

    public static TheoryData<string> Names => new(Scenarios.Keys);

    [Theory]
    [MemberData(nameof(Names))]
    public async Task Scenario_SocketsAndLeanClusters_CallerSeesTheSame(string scenario)
    {
        var (expected, script) = Scenarios[scenario];
        var early = scenario.StartsWith("Trailers-Only before reading", StringComparison.Ordinal);
        await using var a = await ScriptedBackend.StartAsync("a", script, readBody: !early).DefaultTimeout();
        await using var stack = await RetryStack.StartAsync(output, UpstreamClients.Config("""[ { address: "{a}", name: a } ]""", route: "retry: { maxAttempts: 1 }"), [a]);
        (string, string)[] headers = [("grpc-timeout", scenario.StartsWith("deadline", StringComparison.Ordinal) ? "300m" : "20S")];

        byte[][] messages = early ? [Pattern(256 * 1024)] : [[1], [], Pattern(300)];

        var sockets = await UpstreamCall.SendAsync(stack.Client, stack.Address, UpstreamClients.Sockets, UpstreamCall.Messages(messages), headers);
        var lean = await UpstreamCall.SendAsync(stack.Client, stack.Address, UpstreamClients.Lean, UpstreamCall.Messages(messages), headers);

        output.WriteLine($"sockets: {sockets}\nlean:    {lean}");
        Assert.Equal(expected, Summary(sockets));
        Assert.Equal(sockets, lean);
    }

    /// <summary>The part of an outcome the table pins: how the call ended.</summary>
    private static string Summary(CallOutcome outcome) =>
        outcome.Failure ?? (outcome.HttpStatus == 200 ? $"grpc-status {outcome.Status}" : $"HTTP {outcome.HttpStatus}");

    private static Task Reset(HttpContext context, int code)
    {
        context.Features.Get<IHttpResetFeature>()!.Reset(code);
        return Task.CompletedTask;
    }

    private static byte[] Pattern(int size) => Enumerable.Range(0, size).Select(i => (byte)(i * 31)).ToArray();
}
