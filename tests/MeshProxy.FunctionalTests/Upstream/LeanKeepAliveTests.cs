using System.Net.Sockets;
using System.Net;
using MeshProxy.Configuration;
using MeshProxy.IO;
using MeshProxy.TestSupport;
using MeshProxy.Upstream;

namespace MeshProxy.FunctionalTests.Upstream;

/// <summary>
/// The lean client's connection upkeep against a hand-made h2c server on a real socket, with short timings: a server
/// that goes silent under a call is pinged and given up on (the call fails instead of hanging), and a connection
/// left idle is closed.
/// </summary>
public sealed class LeanKeepAliveTests
{
    private static readonly LeanHttp2Timings Quick = new(
        IdleTimeout: TimeSpan.FromMilliseconds(300),
        SweepPeriod: TimeSpan.FromMilliseconds(50),
        PingDelay: TimeSpan.FromMilliseconds(200),
        PingTimeout: TimeSpan.FromMilliseconds(300));

    [Fact]
    public async Task SilentServer_CallInFlight_PingedThenTheCallFails()
    {
        await using var server = await H2Server.StartAsync(answer: false);
        using var client = new HttpMessageInvoker(new LeanHttp2Handler(Cluster(), Quick));

        var call = client.SendAsync(Request(server.Port), CancellationToken.None);

        var failure = await Assert.ThrowsAnyAsync<IOException>(() => call.DefaultTimeout());
        Assert.Contains("PING", failure.Message, StringComparison.Ordinal);
        Assert.Contains(Http2FrameHeader.Ping, server.FrameTypes);
    }

    [Fact]
    public async Task AnsweringServer_ConnectionLeftIdle_ClosedByTheClient()
    {
        await using var server = await H2Server.StartAsync(answer: true);
        using var client = new HttpMessageInvoker(new LeanHttp2Handler(Cluster(), Quick));

        using (var response = await client.SendAsync(Request(server.Port), CancellationToken.None).DefaultTimeout())
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await server.ClientClosed.DefaultTimeout();
        Assert.DoesNotContain(Http2FrameHeader.Ping, server.FrameTypes);
    }

    [Fact]
    public async Task ManyDestinations_EachCallReachesItsOwnServer_AndEveryIdleConnectionIsClosed()
    {
        // More destinations than the handler's array of recent pools holds (16): the rest are found in its dictionary,
        // and the idle sweep must reach the pools of both.
        var servers = new List<H2Server>();
        try
        {
            for (var i = 0; i < 20; i++)
            {
                servers.Add(await H2Server.StartAsync(answer: true));
            }

            // Idle long enough that no connection closes between a server's two calls (each server takes one connection).
            var timings = Quick with { IdleTimeout = TimeSpan.FromMilliseconds(1500), PingDelay = TimeSpan.FromSeconds(10) };
            using var client = new HttpMessageInvoker(new LeanHttp2Handler(Cluster(), timings));
            for (var round = 0; round < 2; round++)
            {
                foreach (var server in servers)
                {
                    using var response = await client.SendAsync(Request(server.Port), CancellationToken.None).DefaultTimeout();
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                }
            }

            foreach (var server in servers)
            {
                await server.ClientClosed.DefaultTimeout();
                Assert.Equal(2, server.FrameTypes.Count(type => type == Http2FrameHeader.Headers));
            }
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }
        }
    }

    private static ClusterConfig Cluster() =>
        new("users", EquatableArray<DestinationConfig>.Empty, LoadBalancingKind.RoundRobin, TimeSpan.FromSeconds(5), new Http2Config(true, Http2ClientKind.Lean));

    private static HttpRequestMessage Request(int port) =>
        new(HttpMethod.Post, $"http://127.0.0.1:{port}/users.v1.UserService/GetUser")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(GrpcFrames.Frame([])),
        };

    /// <summary>
    /// Reads the client's frames and records their types; sends its SETTINGS once, never acknowledges anything, and
    /// answers each HEADERS with ":status: 200" and END_STREAM when <c>answer</c> is set.
    /// </summary>
    private sealed class H2Server : IAsyncDisposable
    {
        private readonly TcpListener _listener;
        private readonly bool _answer;
        private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<byte> _types = [];
        private readonly Task _serving;
        private Socket? _socket;

        private H2Server(bool answer)
        {
            _answer = answer;
            _listener = new TcpListener(IPAddress.Loopback, 0);
            _listener.Start();
            _serving = ServeAsync();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        /// <summary>Completes when the client closes its connection.</summary>
        public Task ClientClosed => _closed.Task;

        public byte[] FrameTypes
        {
            get
            {
                lock (_types)
                {
                    return [.. _types];
                }
            }
        }

        public static Task<H2Server> StartAsync(bool answer) => Task.FromResult(new H2Server(answer));

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();

            // A test that failed may leave the client's connection open: closing it ends the read the server waits in.
            _socket?.Dispose();
            try
            {
                await _serving.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or IOException or EndOfStreamException)
            {
                // Stopped while accepting or reading.
            }
        }

        private async Task ServeAsync()
        {
            using var socket = _socket = await _listener.AcceptSocketAsync().ConfigureAwait(false);
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            await stream.WriteAsync(Frame(Http2FrameHeader.Settings, 0, 0, [])).ConfigureAwait(false);
            var preface = new byte[Http2Wire.Preface.Length];
            await stream.ReadExactlyAsync(preface).ConfigureAwait(false);
            var header = new byte[Http2FrameHeader.Size];
            while (true)
            {
                try
                {
                    await stream.ReadExactlyAsync(header).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is EndOfStreamException or IOException)
                {
                    // A close with the server's last frames unread arrives as a reset, not an end of stream.
                    _closed.TrySetResult();
                    return;
                }

                var frame = Http2FrameHeader.Read(header);
                await stream.ReadExactlyAsync(new byte[frame.Length]).ConfigureAwait(false);
                var type = frame.Type;
                lock (_types)
                {
                    _types.Add(type);
                }

                if (_answer && type == Http2FrameHeader.Headers)
                {

                    // 0x88: ":status: 200", index 8 of the HPACK static table.
                    await stream.WriteAsync(Frame(Http2FrameHeader.Headers, Http2FrameHeader.EndHeaders | Http2FrameHeader.EndStream, frame.StreamId, [0x88])).ConfigureAwait(false);
                }
            }
        }

        private static byte[] Frame(byte type, int flags, int streamId, byte[] payload)
        {
            var frame = new byte[Http2FrameHeader.Size + payload.Length];
            Http2FrameHeader.Write(frame, payload.Length, type, (byte)flags, streamId);
            payload.CopyTo(frame, Http2FrameHeader.Size);
            return frame;
        }
    }
}
