using System.Net.Sockets;
using System.Text;
using MeshProxy.Hosting;
using MeshProxy.Protection;
using MeshProxy.TestSupport;
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
}
