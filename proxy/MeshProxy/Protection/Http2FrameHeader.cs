using System.Buffers.Binary;

namespace MeshProxy.Protection;

/// <summary>The 9-byte header of an HTTP/2 frame (RFC 9113 §4.1): payload length, type, flags, stream id.</summary>
internal readonly record struct Http2FrameHeader(int Length, byte Type, byte Flags, int StreamId)
{
    public const int Size = 9;

    // Frame types (RFC 9113 §6) the guard looks at.
    public const byte Data = 0x0, Headers = 0x1, Priority = 0x2, RstStream = 0x3, Settings = 0x4, Ping = 0x6, GoAway = 0x7, WindowUpdate = 0x8, Continuation = 0x9;

    // Flags: END_STREAM (DATA, HEADERS), ACK (SETTINGS, PING) share bit 0; END_HEADERS (HEADERS, CONTINUATION) is bit 2.
    public const byte EndStream = 0x1, Ack = 0x1, EndHeaders = 0x4;

    /// <summary>ENHANCE_YOUR_CALM (RFC 9113 §7): the peer is generating excessive load.</summary>
    public const int EnhanceYourCalm = 0xb;

    public bool Has(byte flag) => (Flags & flag) != 0;

    public static Http2FrameHeader Read(ReadOnlySpan<byte> bytes) => new(
        (bytes[0] << 16) | (bytes[1] << 8) | bytes[2],
        bytes[3],
        bytes[4],
        BinaryPrimitives.ReadInt32BigEndian(bytes[5..]) & int.MaxValue);
}
