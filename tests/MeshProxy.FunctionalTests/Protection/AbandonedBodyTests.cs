using System.Net;
using System.Net.Sockets;
using System.Text;
using MeshProxy.FunctionalTests.Transcoding;
using MeshProxy.Hosting;
using MeshProxy.Protection;
using MeshProxy.SampleBackends;
using MeshProxy.TestSupport;
using Xunit.Abstractions;
using Frames = MeshProxy.TestSupport.RawHttp2Connection;

namespace MeshProxy.FunctionalTests.Protection;

/// <summary>
/// Callers that stop sending a body and go away, on every path that reads one (issue 12 saw Kestrel log
/// <c>InvalidOperationException: Reading is already in progress</c> when such a REST client left: a handler returned
/// while a body read was still pending, and Kestrel's own read of the rest of the body collided with it). Each test
/// captures all of the sidecar's logs, Kestrel's included, and asserts no such line and no error, and that the
/// sidecar still answers the next call. The streamed body (POST /v1/users:sync, Content-Length) abandoned mid-body with
/// the backend down reproduced the collision (RequestBodyDrainBodyReaderInvalidState) until the transcoder settled
/// its body reads before returning (StreamedRequestBody.SettleAsync).
/// </summary>
public sealed class AbandonedBodyTests(ITestOutputHelper output)
{
    private const string ReadingInProgress = "Reading is already in progress";
    private const string KestrelDrainInvalidState = "Microsoft.AspNetCore.Server.Kestrel[RequestBodyDrainBodyReaderInvalidState]";

    // The same reader left marked as reading, found by Kestrel's connection loop when it begins the next read instead
    // of by the drain (seen once in a full CI run).
    private const string KestrelConnectionLoopInvalidState = "Microsoft.AspNetCore.Server.Kestrel[0] Connection processing ended abnormally. System.InvalidOperationException: Reading is already in progress.";

    [Theory]
    [InlineData("/v1/users", "application/json", false)]
    [InlineData("/v1/users:sync", "application/x-ndjson", false)]
    [InlineData("/v1/users", "application/json", true)]
    [InlineData("/v1/users:sync", "application/x-ndjson", true)]
    [InlineData("/v1/users:sync", "application/x-ndjson", false, true)]
    public async Task RestBody_TrickledThenTheClientDisconnects_NoPendingReadLeftBehind(string path, string contentType, bool chunked, bool deadBackend = false)
    {
        await using var backend = await SampleBackend.StartAsync(new SampleBackendOptions { Port = 0, Address = "127.0.0.1" }, new XunitLoggerProvider(output)).DefaultTimeout();
        var logs = new XunitLoggerProvider(output);
        await using (var proxy = await StartAsync(logs, deadBackend ? LoopbackPort.Unused() : backend.Port))
        {
            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(proxy.EndPoint(ListenerName.Rest)).DefaultTimeout();
            await using var stream = new NetworkStream(socket);
            var framing = chunked ? "Transfer-Encoding: chunked" : "Content-Length: 1000";
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: {contentType}\r\n{framing}\r\n\r\n")).DefaultTimeout();
            var body = "{\"deleteUserId\":\"nobody\"}\n{\"delete";
            foreach (var piece in body.Chunk(8))
            {
                var text = new string(piece);
                await stream.WriteAsync(Encoding.ASCII.GetBytes(chunked ? $"{text.Length:x}\r\n{text}\r\n" : text)).DefaultTimeout();
                await stream.FlushAsync().DefaultTimeout();
            }

            // A stream is forwarded message by message: once the backend's answer to the first one arrives (or the
            // sidecar's 503 when the backend is down), the sidecar is mid-body for sure. A unary body is read whole first; the client leaves as it is read.
            if (path.EndsWith(":sync", StringComparison.Ordinal))
            {
                var first = new byte[1];
                Assert.Equal(1, await stream.ReadAsync(first).AsTask().DefaultTimeout());
            }

            socket.Close();

            // The next call is answered: 200 from a live backend, the sidecar's 503 when it is down.
            using var rest = new RestClient(proxy.Address(ListenerName.Rest));
            using var next = await rest.SendAsync(HttpMethod.Post, "/v1/users:sync", RestClient.Json("{\"deleteUserId\":\"nobody\"}", "application/x-ndjson"), HttpCompletionOption.ResponseContentRead).DefaultTimeout();
            Assert.Equal(deadBackend ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK, next.StatusCode);
        }

        // The client leaves with unread bytes, so its close is a TCP reset. With a Content-Length body the sidecar's
        // read of it may be pending when the reset comes, and if the reset fails that read before the caller's abort
        // reaches the sidecar, Kestrel leaves its own reader marked as reading (it clears the mark only for
        // ConnectionAbortedException) and logs the drain error itself: a bare Kestrel handler does the same on every
        // reset (docs/reliability.md, Gaps). Seen about once in ten runs, with the backend up or down. So for these
        // that one line of Kestrel's is let through; RestStreamedBody_RefusedMidBody_SameConnectionServesTheNextRequest
        // is the strict check of the sidecar's own reads (no reset there, the same Content-Length stream refused
        // mid-body, and no such line allowed). Kestrel's connection loop can find the same mark before the drain does,
        // and logs it as its own line; that one is let through too.
        var resetRace = !chunked;
        AssertClean(logs, resetRace ? [KestrelDrainInvalidState, KestrelConnectionLoopInvalidState] : []);
    }

    // A streamed body refused mid-body (the backend is down: 503 while the client still sends) leaves no read pending,
    // so Kestrel drains the rest of the body and the same connection serves the next request; the collision made
    // Kestrel drop the connection instead.
    [Fact]
    public async Task RestStreamedBody_RefusedMidBody_SameConnectionServesTheNextRequest()
    {
        var logs = new XunitLoggerProvider(output);
        await using var proxy = await StartAsync(logs, LoopbackPort.Unused());
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(proxy.EndPoint(ListenerName.Rest)).DefaultTimeout();
        await using var stream = new NetworkStream(socket);
        var first = "{\"deleteUserId\":\"nobody\"}\n";
        var rest = "{\"deleteUserId\":\"somebody\"}\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"POST /v1/users:sync HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-ndjson\r\nContent-Length: {first.Length + rest.Length}\r\n\r\n{first}")).DefaultTimeout();
        var reader = new HttpResponseReader(stream);
        Assert.StartsWith("HTTP/1.1 503", await reader.ReadResponseAsync().DefaultTimeout(), StringComparison.Ordinal);

        // The rest of the body, then a second request on the same connection.
        await stream.WriteAsync(Encoding.ASCII.GetBytes(rest)).DefaultTimeout();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /v1/users/nobody HTTP/1.1\r\nHost: localhost\r\n\r\n")).DefaultTimeout();
        Assert.StartsWith("HTTP/1.1 503", await reader.ReadResponseAsync().DefaultTimeout(), StringComparison.Ordinal);

        AssertClean(logs);
    }

    [Theory]
    [InlineData("/v1/users", "application/json")]
    [InlineData("/v1/users:sync", "application/x-ndjson")]
    public async Task RestChunkedBody_NeverEnds_408AndNoPendingReadLeftBehind(string path, string contentType)
    {
        await using var backend = await SampleBackend.StartAsync(new SampleBackendOptions { Port = 0, Address = "127.0.0.1" }, new XunitLoggerProvider(output)).DefaultTimeout();
        var logs = new XunitLoggerProvider(output);
        await using (var proxy = await StartAsync(logs, backend.Port))
        {
            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(proxy.EndPoint(ListenerName.Rest)).DefaultTimeout();
            await using var stream = new NetworkStream(socket);
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: {contentType}\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{{\r\n")).DefaultTimeout();
            var response = new StringBuilder();
            var buffer = new byte[4096];
            int read;
            while ((read = await stream.ReadAsync(buffer).AsTask().DefaultTimeout()) > 0)
            {
                response.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }

            Assert.StartsWith("HTTP/1.1 408", response.ToString(), StringComparison.Ordinal);
        }

        AssertClean(logs);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task GrpcCall_CallerDisconnectsMidMessage_NoPendingReadLeftBehind(bool liveBackend)
    {
        await using var backend = await SampleBackend.StartAsync(new SampleBackendOptions { Port = 0, Address = "127.0.0.1" }, new XunitLoggerProvider(output)).DefaultTimeout();
        var logs = new XunitLoggerProvider(output);
        await using (var proxy = await StartAsync(logs, liveBackend ? backend.Port : LoopbackPort.Unused()))
        {
            await using var connection = await Frames.ConnectAsync(proxy.EndPoint(ListenerName.Grpc)).DefaultTimeout();

            // A message announced as 100 bytes of which 10 come: the commit gate holds the call, then forwards it
            // after CommitWait with its read still pending.
            var frames = new MemoryStream();
            frames.Write(Frames.Frame(Frames.Headers, Frames.EndHeaders, 1, Frames.GrpcRequestHeaders("/users.v1.UserService/SyncUsers")));
            frames.Write(Frames.Frame(Frames.Data, 0, 1, [0, 0, 0, 0, 100, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
            Assert.True(await connection.WriteAsync(frames.ToArray()).DefaultTimeout());
            Assert.True(await connection.PingAsync().DefaultTimeout());
        }

        AssertClean(logs);
    }

    private void AssertClean(XunitLoggerProvider logs, params string[] kestrelLinesLetThrough)
    {
        foreach (var line in logs.Lines)
        {
            output.WriteLine(line);
        }

        bool Ours(string line) => !kestrelLinesLetThrough.Any(kestrel => line.Contains(kestrel, StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, line => Ours(line) && line.Contains(ReadingInProgress, StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Errors, Ours);
    }

    // Grace 2 s: Kestrel refuses a data-rate grace period of 1 s or less.
    private static Task<MeshProxyServer> StartAsync(XunitLoggerProvider logs, int backendPort) =>
        ProtectionStack.StartAsync(logs, backendPort, ProtectionOptions.Default with { RestMinBodyBytesPerSecond = 100, RestBodyGracePeriod = TimeSpan.FromSeconds(2) });
}
