using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MeshProxy.TestSupport;

/// <summary>
/// A hand-made HTTP/2 client (h2c, or over a TLS stream) that writes whatever frames a test asks for, valid or hostile (RFC 9113): the preface and
/// an empty SETTINGS at connect, then HEADERS, DATA, CONTINUATION, PRIORITY, RST_STREAM, PING, SETTINGS, WINDOW_UPDATE as told.
/// Header blocks are HPACK literals without indexing and without Huffman coding (RFC 7541 §6.2.2), which every decoder
/// must accept and nothing has to remember. A reader drains the server's frames, acknowledges its SETTINGS and
/// records a GOAWAY, so the server never blocks on a full socket and the test can see how the connection ended.
/// </summary>
public sealed class RawHttp2Connection : IAsyncDisposable
{
    public const byte Data = 0x0, Headers = 0x1, Priority = 0x2, RstStream = 0x3, Settings = 0x4, Ping = 0x6, GoAway = 0x7, WindowUpdate = 0x8, Continuation = 0x9;
    public const byte EndStream = 0x1, EndHeaders = 0x4, Ack = 0x1;

    /// <summary>HTTP/2 error codes (RFC 9113 §7) the tests look for.</summary>
    public const int Cancel = 0x8, EnhanceYourCalm = 0xb;

    private static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    private readonly Socket? _socket;
    private readonly Stream _stream;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly TaskCompletionSource<int> _goAway = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _reader;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, TaskCompletionSource> _pings = new();
    private readonly System.Threading.Channels.Channel<(int StreamId, byte[] Block)> _headerBlocks = System.Threading.Channels.Channel.CreateUnbounded<(int, byte[])>();
    private long _nextPing;

    private RawHttp2Connection(Stream stream, Socket? socket)
    {
        _socket = socket;
        _stream = stream;
        _reader = Task.Run(ReadLoopAsync);
    }

    /// <summary>The error code of the server's GOAWAY; -1 when the connection closed without one.</summary>
    public Task<int> GoAwayCode => _goAway.Task;

    /// <summary>
    /// The header blocks the server sent, in order: each HEADERS frame's fragment (padding and priority removed) with
    /// its CONTINUATION frames appended.
    /// </summary>
    public System.Threading.Channels.ChannelReader<(int StreamId, byte[] Block)> HeaderBlocks => _headerBlocks.Reader;

    /// <summary>Completes when the server has closed the connection (or it broke).</summary>
    public Task Closed => _reader;

    public static async Task<RawHttp2Connection> ConnectAsync(IPEndPoint endPoint, CancellationToken cancellationToken = default)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return await StartAsync(new RawHttp2Connection(new NetworkStream(socket, ownsSocket: true), socket), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// HTTP/2 over a connection the caller has set up (a TLS stream that negotiated h2, for an mTLS listener); the
    /// connection owns <paramref name="stream"/> from here on.
    /// </summary>
    public static Task<RawHttp2Connection> StartAsync(Stream stream, CancellationToken cancellationToken = default) =>
        StartAsync(new RawHttp2Connection(stream, socket: null), cancellationToken);

    private static async Task<RawHttp2Connection> StartAsync(RawHttp2Connection connection, CancellationToken cancellationToken)
    {
        var start = new List<byte>(Preface);
        start.AddRange(Frame(Settings, 0, 0, []));
        await connection.WriteAsync(start.ToArray(), cancellationToken).ConfigureAwait(false);
        return connection;
    }

    /// <summary>A gRPC request header block: POST, http, the path, the authority, application/grpc and te: trailers.</summary>
    public static byte[] GrpcRequestHeaders(string path, string authority = "localhost") => HeaderBlock(
        (":method", "POST"), (":scheme", "http"), (":path", path), (":authority", authority),
        ("content-type", "application/grpc"), ("te", "trailers"));

    /// <summary>HPACK literal header fields without indexing, new names, no Huffman (RFC 7541 §6.2.2).</summary>
    public static byte[] HeaderBlock(params (string Name, string Value)[] fields)
    {
        var block = new List<byte>();
        foreach (var (name, value) in fields)
        {
            block.Add(0x00);
            AppendString(block, name);
            AppendString(block, value);
        }

        return block.ToArray();
    }

    /// <summary>One frame: 3-byte length, type, flags, 31-bit stream id, payload (RFC 9113 §4.1).</summary>
    public static byte[] Frame(byte type, byte flags, int streamId, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[9 + payload.Length];
        frame[0] = (byte)(payload.Length >> 16);
        frame[1] = (byte)(payload.Length >> 8);
        frame[2] = (byte)payload.Length;
        frame[3] = type;
        frame[4] = flags;
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(5), streamId & int.MaxValue);
        payload.CopyTo(frame.AsSpan(9));
        return frame;
    }

    /// <summary>RST_STREAM with an error code (RFC 9113 §6.4).</summary>
    public static byte[] Reset(int streamId, int errorCode = Cancel)
    {
        Span<byte> code = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(code, errorCode);
        return Frame(RstStream, 0, streamId, code);
    }

    /// <summary>WINDOW_UPDATE (RFC 9113 §6.9).</summary>
    public static byte[] WindowIncrement(int streamId, int increment)
    {
        Span<byte> payload = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(payload, increment);
        return Frame(WindowUpdate, 0, streamId, payload);
    }

    /// <summary>
    /// Sends a PING and completes when the server has acknowledged it: the server has then read every frame written
    /// before it (it answers in order). False when the connection closed first.
    /// </summary>
    public async Task<bool> PingAsync(CancellationToken cancellationToken = default)
    {
        var opaque = Interlocked.Increment(ref _nextPing);
        var acked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _pings[opaque] = acked;
        var payload = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(payload, opaque);
        if (!await WriteAsync(Frame(Ping, 0, 0, payload), cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        await Task.WhenAny(acked.Task, _reader).WaitAsync(cancellationToken).ConfigureAwait(false);
        return acked.Task.IsCompleted;
    }

    /// <summary>Writes bytes as they are (frames already encoded); false when the server has closed the connection.</summary>
    public async Task<bool> WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _socket?.Dispose();
        await _stream.DisposeAsync().ConfigureAwait(false);
        try
        {
            await _reader.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or SocketException)
        {
            // The connection is gone either way.
        }

        _writeLock.Dispose();
    }

    private static void AppendString(List<byte> block, string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text);

        // A 7-bit prefix integer, H bit clear (RFC 7541 §5.1, §5.2).
        if (bytes.Length < 127)
        {
            block.Add((byte)bytes.Length);
        }
        else
        {
            block.Add(127);
            var rest = bytes.Length - 127;
            while (rest >= 128)
            {
                block.Add((byte)((rest & 0x7f) | 0x80));
                rest >>= 7;
            }

            block.Add((byte)rest);
        }

        block.AddRange(bytes);
    }

    private async Task ReadLoopAsync()
    {
        var header = new byte[9];
        var payload = new byte[16384];
        List<byte>? block = null;
        try
        {
            while (true)
            {
                await _stream.ReadExactlyAsync(header).ConfigureAwait(false);
                var length = (header[0] << 16) | (header[1] << 8) | header[2];
                if (length > payload.Length)
                {
                    payload = new byte[length];
                }

                await _stream.ReadExactlyAsync(payload.AsMemory(0, length)).ConfigureAwait(false);
                var type = header[3];
                if (type == Settings && (header[4] & Ack) == 0)
                {
                    await WriteAsync(Frame(Settings, Ack, 0, [])).ConfigureAwait(false);
                }
                else if (type == Ping && (header[4] & Ack) != 0 && length == 8
                    && _pings.TryRemove(BinaryPrimitives.ReadInt64BigEndian(payload), out var acked))
                {
                    acked.TrySetResult();
                }
                else if (type is Headers or Continuation)
                {
                    block = Collect(block, header[4], BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(5)) & int.MaxValue, type, payload.AsSpan(0, length));
                }
                else if (type == GoAway && length >= 8)
                {
                    _goAway.TrySetResult(BinaryPrimitives.ReadInt32BigEndian(payload.AsSpan(4)));
                }
            }
        }
        catch (Exception ex) when (ex is IOException or EndOfStreamException or ObjectDisposedException or SocketException)
        {
            // Closed by the server (or by dispose).
        }
        finally
        {
            _goAway.TrySetResult(-1);
            _headerBlocks.Writer.TryComplete();
        }
    }

    // Appends a HEADERS or CONTINUATION fragment to the block being read; a block ends with END_HEADERS (RFC 9113 §6.2).
    private List<byte>? Collect(List<byte>? block, byte flags, int streamId, byte type, ReadOnlySpan<byte> payload)
    {
        const byte Padded = 0x8, PriorityFlag = 0x20;
        if (type == Headers)
        {
            var padding = (flags & Padded) != 0 ? payload[0] : 0;
            payload = payload[((flags & Padded) != 0 ? 1 : 0)..^padding];
            payload = payload[((flags & PriorityFlag) != 0 ? 5 : 0)..];
            block = [];
        }

        block?.AddRange(payload);
        if ((flags & EndHeaders) != 0 && block is not null)
        {
            _headerBlocks.Writer.TryWrite((streamId, block.ToArray()));
            return null;
        }

        return block;
    }
}
