using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using MeshProxy.Hosting;
using MeshProxy.Protection;
using MeshProxy.TestSupport;
using Microsoft.AspNetCore.Http;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests.Protection;

/// <summary>The REST listener's minimum body data rate, end to end over a raw HTTP/1.1 socket.</summary>
public sealed class RestListenerLimitsTests(ITestOutputHelper output)
{
    [Fact]
    public async Task StalledBody_SlowerThanTheMinimumRate_Is408WithAStatusBody()
    {
        var logs = new XunitLoggerProvider(output);
        await using var proxy = await ProtectionStack.StartAsync(logs, LoopbackPort.Unused(), ProtectionOptions.Default with
        {
            RestMinBodyBytesPerSecond = 100,
            RestBodyGracePeriod = TimeSpan.FromSeconds(2),
        });

        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(proxy.EndPoint(ListenerName.Rest)).DefaultTimeout();
        await using var stream = new NetworkStream(socket);

        // A body announced as 1000 bytes of which one comes: it never reaches the rate.
        await stream.WriteAsync(Encoding.ASCII.GetBytes("POST /v1/users HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")).DefaultTimeout();
        var response = new StringBuilder();
        var buffer = new byte[4096];
        int read;
        while ((read = await stream.ReadAsync(buffer).AsTask().DefaultTimeout()) > 0)
        {
            response.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        var text = response.ToString();
        Assert.StartsWith("HTTP/1.1 408", text, StringComparison.Ordinal);
        Assert.Contains("\"code\"", text, StringComparison.Ordinal);
        Assert.Empty(logs.Errors);
    }

    // A streamed body (client-streaming route) runs as an inner gRPC call, whose body rate YARP lifts: that lift must
    // not reach the REST request, or a stalled stream is never cut (and Kestrel's heartbeat threw once a second).
    [Fact]
    public async Task StalledStreamedBody_AfterItsFirstMessage_Is408WithAStatusBodyAndTheUpstreamCallIsCancelled()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var backend = await LoopbackServer.StartAsync(async (HttpContext context) =>
        {
            // Reads the request stream and never answers before it ends: the REST response has not started when the body stalls.
            context.Response.ContentType = "application/grpc";
            try
            {
                var buffer = new byte[1024];
                while (await context.Request.Body.ReadAsync(buffer, context.RequestAborted) > 0)
                {
                    started.TrySetResult();
                }

                context.Response.AppendTrailer("grpc-status", "0");
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException)
            {
                cancelled.TrySetResult();
            }
        }).DefaultTimeout();
        var logs = new XunitLoggerProvider(output);
        await using var proxy = await ProtectionStack.StartAsync(logs, backend.Port, ProtectionOptions.Default with
        {
            RestMinBodyBytesPerSecond = 100,
            RestBodyGracePeriod = TimeSpan.FromSeconds(2),
        });

        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(proxy.EndPoint(ListenerName.Rest)).DefaultTimeout();
        await using var stream = new NetworkStream(socket);

        // One whole message of a body announced as 1000 bytes, then nothing.
        var first = "{\"deleteUserId\":\"nobody\"}\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"POST /v1/users:sync HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-ndjson\r\nContent-Length: 1000\r\n\r\n{first}")).DefaultTimeout();
        await started.Task.DefaultTimeout();

        var text = await new HttpResponseReader(stream).ReadResponseAsync().DefaultTimeout();
        Assert.StartsWith("HTTP/1.1 408", text, StringComparison.Ordinal);
        using var status = JsonDocument.Parse(text[(text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..]);
        Assert.Equal(4, status.RootElement.GetProperty("code").GetInt32());
        Assert.Contains("too slowly", status.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        await cancelled.Task.DefaultTimeout();
        Assert.Empty(logs.Errors);
        Assert.DoesNotContain(logs.Lines, line => line.Contains("NullReferenceException", StringComparison.Ordinal));
    }
}
