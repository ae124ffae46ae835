using System.Net.Sockets;
using System.Text;
using MeshProxy.FunctionalTests.Protection;
using MeshProxy.Hosting;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.Transcoding;

/// <summary>
/// A REST refusal tells the truth about the connection, over a raw HTTP/1.1 socket: either the response says
/// <c>Connection: close</c> and the sidecar closes it, or the same connection serves the next request. A refused
/// NDJSON message left Kestrel's body reader mid-read, Kestrel's drain of the body then failed and the connection was
/// closed after a keep-alive response; the fixture's shared HttpClient sent its next request on it and read EOF
/// (TranscodingErrorTests, "The response ended prematurely", about one run in nine).
/// </summary>
[Collection(TranscodingStackCollection.Name)]
public sealed class TranscodingConnectionReuseTests(TranscodingStackFixture stack)
{
    private const string ValidCharge = "{\"idempotencyKey\": \"r-1\", \"accountId\": \"acct-1002\", \"amount\": {\"currencyCode\": \"USD\", \"units\": \"1\"}, \"cardToken\": \"tok_visa\"}\n";
    private const string NextRequest = "GET /v1/users/u-1001 HTTP/1.1\r\nHost: localhost\r\n\r\n";

    [Fact]
    public async Task StreamedBody_MessageRefusedWithTheWholeBodySent_SaysCloseAndCloses()
    {
        var body = ValidCharge + "{\"amount\": {\"units\": true}}\n";
        await using var connection = await RawConnection.OpenAsync(stack);

        await connection.SendAsync($"POST /v1/payments:batchCharge HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-ndjson\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}");
        var response = await connection.ReadResponseAsync();

        Assert.StartsWith("HTTP/1.1 400", response, StringComparison.Ordinal);
        Assert.Contains("$[1].amount.units", response, StringComparison.Ordinal);
        await connection.AssertClosesAsync(response);
    }

    [Fact]
    public async Task StreamedBody_MessageRefusedWhileTheClientStillSends_SaysCloseAndCloses()
    {
        // A declared body of 1 MB of which two messages came: the rest would be drained for 5 s, then cut.
        await using var connection = await RawConnection.OpenAsync(stack);

        await connection.SendAsync($"POST /v1/payments:batchCharge HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-ndjson\r\nContent-Length: 1000000\r\n\r\n{ValidCharge}{{\"amount\": 7}}\n");
        var response = await connection.ReadResponseAsync();

        Assert.StartsWith("HTTP/1.1 400", response, StringComparison.Ordinal);
        await connection.AssertClosesAsync(response);
    }

    [Fact]
    public async Task UnaryBody_DeclaredOverTheLimit_413SaysCloseAndCloses()
    {
        // Over the fixture's 64 KiB, and over Kestrel's own 30 MB limit, so Kestrel would not even try to drain it.
        await using var connection = await RawConnection.OpenAsync(stack);

        await connection.SendAsync("POST /v1/payments:charge HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 50000000\r\n\r\n{\"description\": \"");
        var response = await connection.ReadResponseAsync();

        Assert.StartsWith("HTTP/1.1 413", response, StringComparison.Ordinal);
        await connection.AssertClosesAsync(response);
    }

    [Theory]
    [InlineData("POST /v1/payments:charge", "application/json", "{\"amount\": {\"units\": \"twelve\"}}", "400")]
    [InlineData("POST /v1/payments:charge", "text/csv", "a,b,c", "415")]
    [InlineData("PUT /v1/users/u-1001", "application/json", "{}", "405")]
    [InlineData("POST /v2/nothing/here", "application/json", "{\"a\": 1}", "404")]
    public async Task WholeBodyRefused_SameConnectionServesTheNextRequest(string requestLine, string contentType, string body, string status)
    {
        await using var connection = await RawConnection.OpenAsync(stack);

        await connection.SendAsync($"{requestLine} HTTP/1.1\r\nHost: localhost\r\nContent-Type: {contentType}\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}");
        var refused = await connection.ReadResponseAsync();
        Assert.StartsWith($"HTTP/1.1 {status}", refused, StringComparison.Ordinal);
        Assert.DoesNotContain("Connection: close", refused, StringComparison.OrdinalIgnoreCase);

        await connection.SendAsync(NextRequest);
        Assert.StartsWith("HTTP/1.1 200", await connection.ReadResponseAsync(), StringComparison.Ordinal);
    }

    private sealed class RawConnection : IAsyncDisposable
    {
        private readonly Socket _socket;
        private readonly NetworkStream _stream;
        private readonly HttpResponseReader _reader;

        private RawConnection(Socket socket)
        {
            _socket = socket;
            _stream = new NetworkStream(socket);
            _reader = new HttpResponseReader(_stream);
        }

        public static async Task<RawConnection> OpenAsync(TranscodingStackFixture stack)
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(stack.Proxy.EndPoint(ListenerName.Rest)).DefaultTimeout();
            return new RawConnection(socket);
        }

        public Task SendAsync(string text) => _stream.WriteAsync(Encoding.UTF8.GetBytes(text)).AsTask().DefaultTimeout();

        public Task<string> ReadResponseAsync() => _reader.ReadResponseAsync().DefaultTimeout();

        /// <summary>The response says it is the connection's last, and the sidecar then closes the connection.</summary>
        public async Task AssertClosesAsync(string response)
        {
            Assert.Contains("\r\nConnection: close\r\n", response, StringComparison.OrdinalIgnoreCase);
            var buffer = new byte[4096];
            try
            {
                Assert.Equal(0, await _stream.ReadAsync(buffer).AsTask().DefaultTimeout());
            }
            catch (IOException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionReset })
            {
                // Closed with the client's unsent body still unread: a reset is a close too.
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stream.DisposeAsync();
            _socket.Dispose();
        }
    }
}
