using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using MeshProxy.IO;
using MeshProxy.Upstream;
using MeshProxy.Upstream.Hpack;

namespace MeshProxy.Bench.Relay;

/// <summary>
/// One direction of an HTTP/2 connection pair, frame by frame: each header block is decoded with the sender's HPACK
/// context and encoded again with the receiver's, as a proxy that reads and rewrites headers must; every other frame
/// is copied. What a batch of reads yields goes out in one send.
/// </summary>
/// <remarks>
/// The streams keep their ids, since the connections are paired one to one, and the peers' SETTINGS pass through
/// unread: both sides here keep HPACK's default 4,096-byte table, and header blocks come whole (END_HEADERS, no
/// CONTINUATION), which h2load and the bench backend do. A block that is not whole ends the pair, and so would a frame
/// larger than the input buffer (256 KiB; both peers keep the 16 KiB default).
/// </remarks>
internal sealed class FrameCopy(Socket from, Socket to, int prefaceLength) : IHeaderSink
{
    private readonly HpackDecoder _decoder = new();
    private readonly HpackEncoder _encoder = new();
    private readonly OutputBuffer _output = new();
    private readonly List<(string Name, string Value)> _fields = [];
    private readonly byte[] _input = GC.AllocateUninitializedArray<byte>(256 * 1024, pinned: true);
    private int _prefaceLeft = prefaceLength;

    public async Task RunAsync()
    {
        var filled = 0;
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(_input.AsMemory(filled), SocketFlags.None).ConfigureAwait(false);
                if (read == 0)
                {
                    return;
                }

                filled += read;
                var used = Relay(_input.AsSpan(0, filled));
                _input.AsSpan(used, filled - used).CopyTo(_input);
                filled -= used;
                if (_output.Length > 0)
                {
                    await to.SendAsync(_output.Written, SocketFlags.None).ConfigureAwait(false);
                    _output.Clear();
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or HpackException or InvalidDataException)
        {
            // Ended by the other direction's close, by the peer, or by a block this relay does not take.
        }
    }

    public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) =>
        _fields.Add((Encoding.Latin1.GetString(name), Encoding.Latin1.GetString(value)));

    /// <summary>Relays every whole frame at the start of <paramref name="input"/>; returns the bytes used.</summary>
    private int Relay(ReadOnlySpan<byte> input)
    {
        var used = 0;
        if (_prefaceLeft > 0)
        {
            var preface = Math.Min(_prefaceLeft, input.Length);
            _output.Write(input[..preface]);
            _prefaceLeft -= preface;
            used = preface;
        }

        while (input.Length - used >= Http2FrameHeader.Size)
        {
            var header = Http2FrameHeader.Read(input[used..]);
            var whole = Http2FrameHeader.Size + header.Length;
            if (input.Length - used < whole)
            {
                break;
            }

            var frame = input.Slice(used, whole);
            if (header.Type == Http2FrameHeader.Headers)
            {
                Reencode(header, frame[Http2FrameHeader.Size..]);
            }
            else if (header.Type == Http2FrameHeader.Continuation)
            {
                throw new InvalidDataException("CONTINUATION is not relayed");
            }
            else
            {
                _output.Write(frame);
            }

            used += whole;
        }

        return used;
    }

    private void Reencode(Http2FrameHeader header, ReadOnlySpan<byte> payload)
    {
        if (!header.Has(Http2FrameHeader.EndHeaders))
        {
            throw new InvalidDataException("a header block in CONTINUATION frames is not relayed");
        }

        if (header.Has(Http2FrameHeader.Padded))
        {
            payload = payload[1..^payload[0]];
        }

        if (header.Has(Http2FrameHeader.PriorityFlag))
        {
            payload = payload[5..];
        }

        _fields.Clear();
        _decoder.Decode(payload, this);

        // Room for the frame header first, written once the block's length is known.
        var start = _output.Length;
        _output.GetSpan(Http2FrameHeader.Size);
        _output.Advance(Http2FrameHeader.Size);
        _encoder.BeginBlock(_output);
        foreach (var (name, value) in _fields)
        {
            _encoder.EncodeHeader(name, value, _output);
        }

        _encoder.EndBlock();
        var flags = (byte)(header.Flags & (Http2FrameHeader.EndStream | Http2FrameHeader.EndHeaders));
        var length = _output.Length - start - Http2FrameHeader.Size;
        var frameHeader = MemoryMarshal.AsMemory(_output.Written).Span.Slice(start, Http2FrameHeader.Size);
        Http2FrameHeader.Write(frameHeader, length, Http2FrameHeader.Headers, flags, header.StreamId);
    }
}
