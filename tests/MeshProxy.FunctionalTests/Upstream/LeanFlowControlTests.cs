using System.Security.Cryptography;
using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.FunctionalTests.TrafficPolicy.Overload;
using MeshProxy.FunctionalTests.TrafficPolicy.Retries;
using MeshProxy.Routing;
using MeshProxy.Grpc;
using MeshProxy.TestSupport;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests.Upstream;

/// <summary>
/// Messages larger than any HTTP/2 window (RFC 9113 §5.2, §6.9: 64 KiB initial, the lean client's 1 MiB) in each
/// direction, and a 10 MiB response stream that the caller stops reading: flow control must carry every byte, and
/// the sidecar must hold back the backend rather than buffer the stream.
/// </summary>
public sealed class LeanFlowControlTests(ITestOutputHelper output)
{
    private const int Chunk = 64 * 1024;
    private const int StreamTotal = 10 * 1024 * 1024;

    public static TheoryData<string, int> ClientsAndSizes => new()
    {
        { UpstreamClients.Sockets, 1 },
        { UpstreamClients.Sockets, 5 },
        { UpstreamClients.Lean, 1 },
        { UpstreamClients.Lean, 5 },
    };

    [Theory]
    [MemberData(nameof(ClientsAndSizes))]
    public async Task LargeMessage_EachDirection_ArrivesWhole(string client, int mebibytes)
    {
        // The backend answers with a message of the size asked for, then reports the SHA-256 of what it received in
        // a trailer: the request went up whole and a different reply came down whole.
        await using var a = await ScriptedBackend.StartAsync("a", async (c, call) =>
        {
            c.Response.ContentType = GrpcProtocol.ContentType;
            c.Response.AppendTrailer("x-received-sha256", Convert.ToHexString(SHA256.HashData(call.Body)));
            await c.Response.Body.WriteAsync(GrpcFrames.Frame(Pattern(int.Parse(call.Header("x-reply-size")!, System.Globalization.CultureInfo.InvariantCulture), seed: 7)));
            c.Response.AppendTrailer(GrpcProtocol.StatusHeader, "0");
        }).DefaultTimeout();
        await using var stack = await RetryStack.StartAsync(output, UpstreamClients.Config("""[ { address: "{a}", name: a } ]""", route: "retry: { maxAttempts: 1 }"), [a]);
        var size = mebibytes * 1024 * 1024;
        var request = GrpcFrames.Frame(Pattern(size, seed: 3));

        var outcome = await UpstreamCall.SendAsync(stack.Client, stack.Address, client, new ByteArrayContent(request), [("x-reply-size", (size + 1).ToString(System.Globalization.CultureInfo.InvariantCulture))]);

        Assert.Null(outcome.Failure);
        Assert.Equal("0", outcome.Status);
        Assert.Equal(CallOutcome.Describe(GrpcFrames.Frame(Pattern(size + 1, seed: 7))), outcome.Body);
        Assert.Contains($"x-received-sha256: {Convert.ToHexString(SHA256.HashData(request))}", outcome.Trailers, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(UpstreamClients.Both), MemberType = typeof(UpstreamClients))]
    public async Task LargeMessages_ClientStreamedUp_EveryByteArrives(string client)
    {
        // Twelve messages of 256 KiB, each flushed on its own as a streaming caller sends them.
        var messages = Enumerable.Range(0, 12).Select(i => GrpcFrames.Frame(Pattern(256 * 1024, seed: i))).ToArray();
        await using var a = await ScriptedBackend.StartAsync("a", (c, call) =>
            ScriptedBackend.MessageThenStatusAsync(c, SHA256.HashData(call.Body), StatusCode.OK)).DefaultTimeout();
        await using var stack = await RetryStack.StartAsync(output, UpstreamClients.Config("""[ { address: "{a}", name: a } ]""", route: "retry: { maxAttempts: 1 }"), [a]);

        var outcome = await UpstreamCall.SendAsync(stack.Client, stack.Address, client, new StreamingContent(messages));

        Assert.Equal("0", outcome.Status);
        Assert.Equal(CallOutcome.Describe(GrpcFrames.Frame(SHA256.HashData(messages.SelectMany(m => m).ToArray()))), outcome.Body);
    }

    [Theory]
    [MemberData(nameof(UpstreamClients.Both), MemberType = typeof(UpstreamClients))]
    public async Task TenMebibyteStream_CallerStopsReading_BackendHeldBackThenEveryByteArrives(string client)
    {
        var backend = new StreamingBackend();
        await using var a = await backend.StartAsync();
        await using var stack = await RetryStack.StartAsync(output, UpstreamClients.Config("""[ { address: "{a}", name: a } ]""", route: "retry: { maxAttempts: 1 }"), [a]);

        using var request = GrpcHttp.UnaryRequest(stack.Address, UpstreamCall.Method, UpstreamClients.Pick(client));
        using var response = await stack.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).DefaultTimeout();
        await using var body = await response.Content.ReadAsStreamAsync().DefaultTimeout();
        var received = new MemoryStream();
        var first = new byte[Chunk];
        await body.ReadExactlyAsync(first).AsTask().DefaultTimeout();
        received.Write(first);

        // The caller reads nothing more. The backend writes until every window and buffer between them is full and
        // then waits; it has settled when a second passes without another flushed message.
        var held = await SettledAsync(() => backend.Written);
        output.WriteLine($"{client}: the backend wrote {held} of {StreamTotal} bytes while the caller held 1 message");
        Assert.True(held < StreamTotal / 2, $"the backend wrote {held} bytes while the caller read {Chunk}: the sidecar buffered the stream");

        // Then it reads slowly, a message at a time with a pause: everything arrives, in order, and the call ends OK.
        var buffer = new byte[Chunk];
        int read;
        while ((read = await body.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false).AsTask().DefaultTimeout()) > 0)
        {
            received.Write(buffer, 0, read);
            await Task.Delay(2);
        }

        var payloads = GrpcFrames.Payloads(received.ToArray());
        Assert.Equal(StreamTotal / Chunk, payloads.Count);
        for (var i = 0; i < payloads.Count; i++)
        {
            Assert.True(Pattern(Chunk - GrpcFrames.PrefixLength, seed: i).AsSpan().SequenceEqual(payloads[i]), $"message {i} differs");
        }

        Assert.Equal("0", GrpcHttp.Status(response));
    }

    [Theory]
    [MemberData(nameof(UpstreamClients.Both), MemberType = typeof(UpstreamClients))]
    public async Task Stream_CallerStopsReadingThenResets_BackendCancelledAndTheDestinationNotBlamed(string client)
    {
        // The sidecar's last write to the caller is still waiting to be sent (Routing/WriteBehindBody) when the caller
        // goes: the backend's call must end at once, and a caller's reset is no evidence against the destination.
        var backend = new StreamingBackend();
        await using var a = await backend.StartAsync();
        await using var stack = await RetryStack.StartAsync(output, UpstreamClients.Config("""[ { address: "{a}", name: a } ]""", route: "retry: { maxAttempts: 1 }"), [a]);
        var destination = stack.Proxy.Services.GetRequiredService<ProxySnapshotProvider>().Clusters[client].Destinations.Single();

        using (var request = GrpcHttp.UnaryRequest(stack.Address, UpstreamCall.Method, UpstreamClients.Pick(client)))
        using (var response = await stack.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).DefaultTimeout())
        {
            await using var body = await response.Content.ReadAsStreamAsync().DefaultTimeout();
            await body.ReadExactlyAsync(new byte[Chunk]).AsTask().DefaultTimeout();
            var held = await SettledAsync(() => backend.Written);
            Assert.True(held < StreamTotal, $"the backend finished ({held} bytes) while the caller read one message");
        }

        // Disposing the unread response resets the stream (RST_STREAM CANCEL).
        await backend.Aborted.DefaultTimeout();
        await OverloadStack.WaitUntilAsync(() => destination.InFlight == 0);
        Assert.False(destination.Ejected);
        Assert.Equal(0, destination.ConsecutiveLocalOriginFailures);
        Assert.Equal(0, destination.ConsecutiveServerErrors);
    }

    /// <summary>A backend that streams 10 MiB in 64 KiB messages, each flushed on its own, counting what it flushed.</summary>
    private sealed class StreamingBackend
    {
        private readonly TaskCompletionSource _aborted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long _written;

        public long Written => Interlocked.Read(ref _written);

        /// <summary>Completes when the call is aborted (the sidecar cancelled it).</summary>
        public Task Aborted => _aborted.Task;

        public Task<ScriptedBackend> StartAsync() =>
            ScriptedBackend.StartAsync("a", async (c, _) =>
            {
                c.RequestAborted.Register(() => _aborted.TrySetResult());
                c.Response.ContentType = GrpcProtocol.ContentType;
                for (var i = 0; i < StreamTotal / Chunk; i++)
                {
                    await c.Response.Body.WriteAsync(GrpcFrames.Frame(Pattern(Chunk - GrpcFrames.PrefixLength, seed: i)), c.RequestAborted);
                    await c.Response.Body.FlushAsync(c.RequestAborted);
                    Interlocked.Add(ref _written, Chunk);
                }

                c.Response.AppendTrailer(GrpcProtocol.StatusHeader, "0");
            }).DefaultTimeout();
    }

    /// <summary>Polls <paramref name="progress"/> until it has not moved for a second (bounded by the default timeout).</summary>
    private static Task<long> SettledAsync(Func<long> progress) =>
        Task.Run(async () =>
        {
            var last = progress();
            while (true)
            {
                await Task.Delay(1000);
                var now = progress();
                if (now == last)
                {
                    return now;
                }

                last = now;
            }
        }).DefaultTimeout();

    private static byte[] Pattern(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
