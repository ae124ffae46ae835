using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading.Channels;
using MeshProxy.IO;
using MeshProxy.Upstream;
using MeshProxy.Upstream.Hpack;

namespace MeshProxy.Bench.Relay;

/// <summary>What the backend sent on one call, in order.</summary>
internal readonly record struct UpstreamEvent(UpstreamEventKind Kind, List<(string Name, string Value)>? Fields, byte[]? Data, bool EndStream);

internal enum UpstreamEventKind
{
    Headers,
    Data,
    Reset,
}

/// <summary>One call's side of <see cref="UpstreamMux"/>: its stream id and what the backend sent on it.</summary>
internal sealed class UpstreamCall(int id)
{
    private readonly Channel<UpstreamEvent> _events = Channel.CreateUnbounded<UpstreamEvent>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

    public int Id { get; } = id;

    /// <summary>Read by the call; written by the read loop, whose writes wake the call on the pool, never inline.</summary>
    public ChannelReader<UpstreamEvent> Events => _events.Reader;

    public void Post(UpstreamEvent e)
    {
        _events.Writer.TryWrite(e);
        if (e.EndStream || e.Kind == UpstreamEventKind.Reset)
        {
            _events.Writer.TryComplete();
        }
    }
}

/// <summary>
/// The least multiplexed HTTP/2 client that forwards a unary gRPC call, for the <c>kestrel</c> mode: one connection to
/// the backend shared by every call, MeshProxy's HPACK codec on it, reads on the socket's event thread as the lean
/// client's are, and each call woken on the pool. A call's HEADERS and its first DATA go out in one send.
/// </summary>
/// <remarks>
/// It advertises large windows and returns credit once half is used, but sends a request body without waiting for
/// credit: the backend's initial 65,535 bytes per stream cover the latency loads' 100-byte calls, which is all this
/// mode is for. Header blocks must come whole (END_HEADERS), as the bench backend sends them.
/// </remarks>
internal sealed class UpstreamMux : IHeaderSink
{
    private const int ReceiveWindow = 16 * 1024 * 1024;

    private readonly Socket _socket;
    private readonly Lock _lock = new();
    private readonly HpackEncoder _encoder = new();
    private readonly HpackDecoder _decoder = new();
    private readonly Dictionary<int, UpstreamCall> _calls = [];
    private OutputBuffer _pending = new();
    private OutputBuffer _sending = new();
    private bool _flushing;
    private bool _closed;
    private int _nextId = 1;
    private int _connectionUnacknowledged;
    private List<(string Name, string Value)>? _decoded;

    private UpstreamMux(Socket socket) => _socket = socket;

    public static async Task<UpstreamMux> ConnectAsync(IPEndPoint backend)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(backend).ConfigureAwait(false);
        if (!EventThreadCompletions.TryEnable(socket))
        {
            throw new PlatformNotSupportedException("this runtime has no per-socket inline completions");
        }

        var mux = new UpstreamMux(socket);
        lock (mux._lock)
        {
            var output = mux._pending;
            output.Write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8);
            // SETTINGS_INITIAL_WINDOW_SIZE (0x4), then the connection's window raised to the same.
            var settings = output.GetSpan(Http2FrameHeader.Size + 6);
            Http2FrameHeader.Write(settings, 6, Http2FrameHeader.Settings, 0, 0);
            settings[9] = 0;
            settings[10] = 4;
            WriteInt32(settings[11..], ReceiveWindow);
            output.Advance(Http2FrameHeader.Size + 6);
            mux.AppendWindowUpdate(0, ReceiveWindow - 65_535);
        }

        mux.Flush();
        _ = mux.ReadLoopAsync();
        return mux;
    }

    /// <summary>Opens a call: its HEADERS, and its first DATA when there is any, in one send.</summary>
    public UpstreamCall Open(List<(string Name, string Value)> fields, ReadOnlySequence<byte> body, bool endStream)
    {
        UpstreamCall call;
        lock (_lock)
        {
            call = new UpstreamCall(_nextId);
            if (_closed)
            {
                // The connection is gone: the call fails at once rather than wait for an answer that cannot come.
                call.Post(new UpstreamEvent(UpstreamEventKind.Reset, null, null, EndStream: true));
                return call;
            }

            _nextId += 2;
            _calls.Add(call.Id, call);
            var output = _pending;
            var start = output.Length;
            output.GetSpan(Http2FrameHeader.Size);
            output.Advance(Http2FrameHeader.Size);
            _encoder.BeginBlock(output);
            foreach (var (name, value) in fields)
            {
                _encoder.EncodeHeader(name, value, output);
            }

            _encoder.EndBlock();
            var flags = (byte)(Http2FrameHeader.EndHeaders | (endStream && body.IsEmpty ? Http2FrameHeader.EndStream : 0));
            var frameHeader = MemoryMarshal.AsMemory(output.Written).Span.Slice(start, Http2FrameHeader.Size);
            Http2FrameHeader.Write(frameHeader, output.Length - start - Http2FrameHeader.Size, Http2FrameHeader.Headers, flags, call.Id);
            if (!body.IsEmpty)
            {
                AppendData(call.Id, body, endStream);
            }
        }

        Flush();
        return call;
    }

    public void SendData(UpstreamCall call, ReadOnlySequence<byte> body, bool endStream)
    {
        lock (_lock)
        {
            AppendData(call.Id, body, endStream);
        }

        Flush();
    }

    public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) =>
        _decoded!.Add((Encoding.Latin1.GetString(name), Encoding.Latin1.GetString(value)));

    private void AppendData(int streamId, ReadOnlySequence<byte> body, bool endStream)
    {
        var length = (int)body.Length;
        var span = _pending.GetSpan(Http2FrameHeader.Size + length);
        Http2FrameHeader.Write(span, length, Http2FrameHeader.Data, endStream ? Http2FrameHeader.EndStream : (byte)0, streamId);
        body.CopyTo(span[Http2FrameHeader.Size..]);
        _pending.Advance(Http2FrameHeader.Size + length);
    }

    private void AppendWindowUpdate(int streamId, int increment)
    {
        var span = _pending.GetSpan(Http2FrameHeader.Size + 4);
        Http2FrameHeader.Write(span, 4, Http2FrameHeader.WindowUpdate, 0, streamId);
        WriteInt32(span[Http2FrameHeader.Size..], increment);
        _pending.Advance(Http2FrameHeader.Size + 4);
    }

    /// <summary>Sends what is pending unless a send is in flight, whose owner then sends it next.</summary>
    private void Flush()
    {
        lock (_lock)
        {
            if (_flushing || _pending.Length == 0)
            {
                return;
            }

            _flushing = true;
        }

        _ = SendLoopAsync();
    }

    private async Task SendLoopAsync()
    {
        while (true)
        {
            lock (_lock)
            {
                if (_pending.Length == 0)
                {
                    _flushing = false;
                    return;
                }

                (_pending, _sending) = (_sending, _pending);
            }

            try
            {
                await _socket.SendAsync(_sending.Written, SocketFlags.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // The read loop sees the connection end too, and fails every call on it.
                _socket.Dispose();
                return;
            }
            finally
            {
                _sending.Clear();
            }
        }
    }

    private async Task ReadLoopAsync()
    {
        var input = GC.AllocateUninitializedArray<byte>(256 * 1024, pinned: true);
        var filled = 0;
        try
        {
            while (true)
            {
                var read = await _socket.ReceiveAsync(input.AsMemory(filled), SocketFlags.None).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                filled += read;
                var used = ReadFrames(input.AsSpan(0, filled));
                input.AsSpan(used, filled - used).CopyTo(input);
                filled -= used;
                Flush();
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or HpackException or InvalidDataException)
        {
            Console.Error.WriteLine($"relay: the backend connection ended: {e.Message}");
        }

        lock (_lock)
        {
            _closed = true;
            foreach (var call in _calls.Values)
            {
                call.Post(new UpstreamEvent(UpstreamEventKind.Reset, null, null, EndStream: true));
            }

            _calls.Clear();
        }
    }

    private int ReadFrames(ReadOnlySpan<byte> input)
    {
        var used = 0;
        while (input.Length - used >= Http2FrameHeader.Size)
        {
            var header = Http2FrameHeader.Read(input[used..]);
            var whole = Http2FrameHeader.Size + header.Length;
            if (input.Length - used < whole)
            {
                break;
            }

            OnFrame(header, input.Slice(used + Http2FrameHeader.Size, header.Length));
            used += whole;
        }

        return used;
    }

    private void OnFrame(Http2FrameHeader header, ReadOnlySpan<byte> payload)
    {
        var endStream = header.Has(Http2FrameHeader.EndStream);
        switch (header.Type)
        {
            case Http2FrameHeader.Settings when !header.Has(Http2FrameHeader.Ack):
                lock (_lock)
                {
                    Http2FrameHeader.Write(_pending.GetSpan(Http2FrameHeader.Size), 0, Http2FrameHeader.Settings, Http2FrameHeader.Ack, 0);
                    _pending.Advance(Http2FrameHeader.Size);
                }

                break;
            case Http2FrameHeader.Ping when !header.Has(Http2FrameHeader.Ack):
                lock (_lock)
                {
                    var span = _pending.GetSpan(Http2FrameHeader.Size + 8);
                    Http2FrameHeader.Write(span, 8, Http2FrameHeader.Ping, Http2FrameHeader.Ack, 0);
                    payload.CopyTo(span[Http2FrameHeader.Size..]);
                    _pending.Advance(Http2FrameHeader.Size + 8);
                }

                break;
            case Http2FrameHeader.Headers:
                if (!header.Has(Http2FrameHeader.EndHeaders))
                {
                    throw new InvalidDataException("a header block in CONTINUATION frames is not taken");
                }

                if (header.Has(Http2FrameHeader.Padded))
                {
                    payload = payload[1..^payload[0]];
                }

                if (header.Has(Http2FrameHeader.PriorityFlag))
                {
                    payload = payload[5..];
                }

                // Decoded even for a call already gone: the table is the connection's.
                _decoded = [];
                _decoder.Decode(payload, this);
                Post(header.StreamId, new UpstreamEvent(UpstreamEventKind.Headers, _decoded, null, endStream));
                break;
            case Http2FrameHeader.Data:
                Post(header.StreamId, new UpstreamEvent(UpstreamEventKind.Data, null, payload.ToArray(), endStream));
                ReturnCredit(header.Length);
                break;
            case Http2FrameHeader.RstStream:
                Post(header.StreamId, new UpstreamEvent(UpstreamEventKind.Reset, null, null, EndStream: true));
                break;
            case Http2FrameHeader.GoAway:
                throw new InvalidDataException("GOAWAY");
        }
    }

    private void Post(int streamId, UpstreamEvent e)
    {
        UpstreamCall? call;
        lock (_lock)
        {
            if (!_calls.TryGetValue(streamId, out call))
            {
                return;
            }

            if (e.EndStream)
            {
                _calls.Remove(streamId);
            }
        }

        call.Post(e);
    }

    private void ReturnCredit(int length)
    {
        // A stream's window (16 MiB) outlasts any call these loads make; the connection's is returned at half.
        _connectionUnacknowledged += length;
        if (_connectionUnacknowledged >= ReceiveWindow / 2)
        {
            lock (_lock)
            {
                AppendWindowUpdate(0, _connectionUnacknowledged);
            }

            _connectionUnacknowledged = 0;
        }
    }

    private static void WriteInt32(Span<byte> destination, int value) =>
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(destination, value);
}
