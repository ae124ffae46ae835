using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using MeshProxy.Upstream.Hpack;

namespace MeshProxy.Tests.Upstream.Hpack;

/// <summary>
/// The least of an HTTP/2 client (RFC 9113) that lets a test watch a real server's header blocks: the preface and a
/// SETTINGS at connect, GET requests whose header blocks one <see cref="HpackEncoder"/> writes (told of the server's
/// SETTINGS_HEADER_TABLE_SIZE when it acknowledges them, as the connection does), and a frame reader that joins
/// HEADERS and CONTINUATION, strips padding and priority, and hands each block to one <see cref="HpackDecoder"/> in the
/// order the blocks arrive, as the connection's decoder must.
/// </summary>
internal sealed class Http2ResponseReader : IAsyncDisposable
{
    private const byte Data = 0x0, Headers = 0x1, RstStream = 0x3, Settings = 0x4, Ping = 0x6, GoAway = 0x7, WindowUpdate = 0x8, Continuation = 0x9;
    private const byte EndStream = 0x1, Ack = 0x1, EndHeaders = 0x4, Padded = 0x8, PriorityFlag = 0x20;

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly HpackDecoder _decoder;
    private readonly HpackEncoder _encoder = new();

    private Http2ResponseReader(Socket socket, HpackDecoder decoder)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _decoder = decoder;
    }

    /// <summary>Header blocks decoded so far (every HEADERS, with its CONTINUATIONs).</summary>
    public int BlockCount { get; private set; }

    /// <summary>Blocks that came in more than one frame.</summary>
    public int ContinuedBlockCount { get; private set; }

    /// <summary>The largest dynamic table the decoder held after a block.</summary>
    public int LargestTableCount { get; private set; }

    /// <summary>Blocks that opened with a dynamic table size update (RFC 7541 §6.3).</summary>
    public int SizeUpdateCount { get; private set; }

    /// <summary>Our encoder's dynamic table entries after the last request.</summary>
    public int EncoderTableCount => _encoder.DynamicTableCount;

    /// <summary>Connects and sends the preface and SETTINGS_HEADER_TABLE_SIZE = <paramref name="headerTableSize"/>.</summary>
    public static async Task<Http2ResponseReader> ConnectAsync(int port, int headerTableSize, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port), cancellationToken);
        var reader = new Http2ResponseReader(socket, new HpackDecoder(headerTableSize, maxHeaderListSize: 1 << 20));
        var setting = new byte[6];
        BinaryPrimitives.WriteUInt16BigEndian(setting, 0x1); // SETTINGS_HEADER_TABLE_SIZE
        BinaryPrimitives.WriteUInt32BigEndian(setting.AsSpan(2), (uint)headerTableSize);
        await reader._stream.WriteAsync("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray(), cancellationToken);
        await reader.WriteFrameAsync(Settings, 0, 0, setting, cancellationToken);
        return reader;
    }

    /// <summary>Sends a GET with <paramref name="fields"/> (pseudo-fields first) and ends the stream.</summary>
    public Task SendRequestAsync(int streamId, IEnumerable<(string Name, string Value)> fields, CancellationToken cancellationToken)
    {
        var block = new ArrayBufferWriter<byte>();
        _encoder.BeginBlock(block);
        foreach (var (name, value) in fields)
        {
            _encoder.EncodeHeader(name, value, block);
        }

        _encoder.EndBlock();
        return WriteFrameAsync(Headers, EndStream | EndHeaders, streamId, block.WrittenSpan.ToArray(), cancellationToken);
    }

    /// <summary>
    /// Reads frames until <paramref name="streamId"/> ends; returns its header blocks (each decoded to a field list,
    /// as the decoder's sink received them) and its body. Frames of other streams and the connection are handled
    /// as a client must (SETTINGS and PING acknowledged); GOAWAY or RST_STREAM fails the test.
    /// </summary>
    public async Task<(List<List<(string Name, string Value)>> Blocks, byte[] Body)> ReadStreamAsync(int streamId, CancellationToken cancellationToken)
    {
        var blocks = new List<List<(string, string)>>();
        var body = new MemoryStream();
        var header = new byte[9];
        List<byte>? pending = null;
        var pendingEnds = false;
        var frames = 0;
        while (true)
        {
            await _stream.ReadExactlyAsync(header, cancellationToken);
            var length = (header[0] << 16) | (header[1] << 8) | header[2];
            var type = header[3];
            var flags = header[4];
            var id = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(5)) & int.MaxValue;
            var payload = new byte[length];
            await _stream.ReadExactlyAsync(payload, cancellationToken);

            if (pending is not null && type != Continuation)
            {
                throw new InvalidOperationException($"Frame type {type} inside a header block (RFC 9113 §6.10).");
            }

            switch (type)
            {
                case Settings when (flags & Ack) == 0:
                    await AcknowledgeAsync(payload, applyToEncoder: true, cancellationToken);
                    break;
                case Ping when (flags & Ack) == 0:
                    await WriteFrameAsync(Ping, Ack, 0, payload, cancellationToken);
                    break;
                case GoAway:
                    throw new InvalidOperationException($"The server sent GOAWAY, error {BinaryPrimitives.ReadInt32BigEndian(payload.AsSpan(4))}: {System.Text.Encoding.Latin1.GetString(payload, 8, payload.Length - 8)}");
                case RstStream:
                    throw new InvalidOperationException($"The server reset stream {id}, error {BinaryPrimitives.ReadInt32BigEndian(payload)}.");
                case Headers:
                    pending = [.. HeaderFragment(payload, flags)];
                    pendingEnds = (flags & EndStream) != 0;
                    frames = 1;
                    if ((flags & EndHeaders) != 0)
                    {
                        blocks.Add(DecodeBlock(pending, frames));
                        pending = null;
                    }

                    break;
                case Continuation:
                    if (pending is null)
                    {
                        throw new InvalidOperationException("CONTINUATION without a HEADERS before it.");
                    }

                    pending.AddRange(payload);
                    frames++;
                    if ((flags & EndHeaders) != 0)
                    {
                        blocks.Add(DecodeBlock(pending, frames));
                        pending = null;
                    }

                    break;
                case Data:
                    body.Write(Unpad(payload, flags));
                    if (payload.Length > 0)
                    {
                        // Credit back for the connection, whose 64 KiB window many responses would use up.
                        var increment = new byte[4];
                        BinaryPrimitives.WriteInt32BigEndian(increment, payload.Length);
                        await WriteFrameAsync(WindowUpdate, 0, 0, increment, cancellationToken);
                    }

                    break;
            }

            var ended = (type == Data && (flags & EndStream) != 0) || (type is Headers or Continuation && pending is null && pendingEnds);
            if (ended && id == streamId)
            {
                return (blocks, body.ToArray());
            }

            if (ended)
            {
                pendingEnds = false;
            }
        }
    }

    /// <summary>
    /// Reads frames until the server's SETTINGS, and acknowledges it: its values apply from then on. Our encoder is
    /// told of its SETTINGS_HEADER_TABLE_SIZE unless <paramref name="applyToEncoder"/> is false (a client that forgets).
    /// </summary>
    public async Task AcknowledgeServerSettingsAsync(CancellationToken cancellationToken, bool applyToEncoder = true)
    {
        var header = new byte[9];
        while (true)
        {
            await _stream.ReadExactlyAsync(header, cancellationToken);
            var payload = new byte[(header[0] << 16) | (header[1] << 8) | header[2]];
            await _stream.ReadExactlyAsync(payload, cancellationToken);
            if (header[3] == Settings && (header[4] & Ack) == 0)
            {
                await AcknowledgeAsync(payload, applyToEncoder, cancellationToken);
                return;
            }
        }
    }

    public ValueTask DisposeAsync() => _stream.DisposeAsync();

    /// <summary>Acks a SETTINGS frame, then has the encoder open its next block with the size update it calls for.</summary>
    private async Task AcknowledgeAsync(byte[] payload, bool applyToEncoder, CancellationToken cancellationToken)
    {
        await WriteFrameAsync(Settings, Ack, 0, [], cancellationToken);
        for (var offset = 0; applyToEncoder && offset + 6 <= payload.Length; offset += 6)
        {
            if (BinaryPrimitives.ReadUInt16BigEndian(payload.AsSpan(offset)) == 0x1) // SETTINGS_HEADER_TABLE_SIZE
            {
                _encoder.SetMaxTableSize(BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(offset + 2)));
            }
        }
    }

    private List<(string, string)> DecodeBlock(List<byte> block, int frames)
    {
        var sink = new HeaderList();
        if (block.Count > 0 && (block[0] & 0xE0) == 0x20)
        {
            SizeUpdateCount++;
        }

        _decoder.Decode(block.ToArray(), sink);
        BlockCount++;
        ContinuedBlockCount += frames > 1 ? 1 : 0;
        LargestTableCount = Math.Max(LargestTableCount, _decoder.DynamicTableCount);
        return sink.Fields;
    }

    private static ReadOnlySpan<byte> HeaderFragment(byte[] payload, byte flags)
    {
        var fragment = Unpad(payload, flags);
        return (flags & PriorityFlag) != 0 ? fragment[5..] : fragment;
    }

    private static ReadOnlySpan<byte> Unpad(byte[] payload, byte flags) =>
        (flags & Padded) != 0 ? payload.AsSpan(1, payload.Length - 1 - payload[0]) : payload;

    private async Task WriteFrameAsync(byte type, byte flags, int streamId, byte[] payload, CancellationToken cancellationToken)
    {
        var frame = new byte[9 + payload.Length];
        frame[0] = (byte)(payload.Length >> 16);
        frame[1] = (byte)(payload.Length >> 8);
        frame[2] = (byte)payload.Length;
        frame[3] = type;
        frame[4] = flags;
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(5), streamId);
        payload.CopyTo(frame, 9);
        await _stream.WriteAsync(frame, cancellationToken);
    }
}
