using System.Runtime.CompilerServices;
using MeshProxy.IO;

namespace MeshProxy.Protection;

/// <summary>
/// Follows the frame boundaries of an HTTP/2 byte stream handed over in arbitrary pieces: skips payloads (and the
/// client's connection preface), reassembles a frame header split across pieces in a 9-byte inline buffer, and yields
/// each header once. It never copies a payload and never allocates; a mutable struct, so keep it in a field and call
/// it in place.
/// </summary>
internal struct Http2FrameCursor
{
    /// <summary>"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" (RFC 9113 §3.4), which a client sends before its first frame.</summary>
    public const int ClientPrefaceLength = 24;

    private int _skip;
    private int _fill;
    private HeaderBytes _header;

    /// <summary>A cursor over a client's stream, which starts with the connection preface.</summary>
    public static Http2FrameCursor AfterClientPreface() => new() { _skip = ClientPrefaceLength };

    /// <summary>True between frames: no payload left to skip and no partial header held.</summary>
    public readonly bool AtFrameStart => _skip == 0 && _fill == 0;

    /// <summary>
    /// Consumes <paramref name="bytes"/> up to and including the next whole frame header. False when the bytes ran
    /// out first (inside a payload or a header), with <paramref name="bytes"/> empty.
    /// </summary>
    public bool TryNext(ref ReadOnlySpan<byte> bytes, out Http2FrameHeader header)
    {
        if (_skip > 0)
        {
            var skipped = Math.Min(_skip, bytes.Length);
            bytes = bytes[skipped..];
            _skip -= skipped;
            if (_skip > 0)
            {
                header = default;
                return false;
            }
        }

        if (_fill == 0 && bytes.Length >= Http2FrameHeader.Size)
        {
            header = Http2FrameHeader.Read(bytes);
            bytes = bytes[Http2FrameHeader.Size..];
            _skip = header.Length;
            return true;
        }

        Span<byte> held = _header;
        var take = Math.Min(Http2FrameHeader.Size - _fill, bytes.Length);
        bytes[..take].CopyTo(held[_fill..]);
        bytes = bytes[take..];
        _fill += take;
        if (_fill < Http2FrameHeader.Size)
        {
            header = default;
            return false;
        }

        _fill = 0;
        header = Http2FrameHeader.Read(held);
        _skip = header.Length;
        return true;
    }

    [InlineArray(Http2FrameHeader.Size)]
    private struct HeaderBytes
    {
        private byte _first;
    }
}
