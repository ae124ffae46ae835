using System.Buffers.Binary;

namespace MeshProxy.IO;

/// <summary>
/// The 9-byte header of an HTTP/2 frame (RFC 9113 §4.1): payload length, type, flags, stream id. Read by the flood
/// guard on the caller's connections and by the lean upstream client, and written by the latter.
/// </summary>
internal readonly record struct Http2FrameHeader(int Length, byte Type, byte Flags, int StreamId)
{
    public const int Size = 9;

    // Frame types (RFC 9113 §6).
    public const byte Data = 0x0, Headers = 0x1, Priority = 0x2, RstStream = 0x3, Settings = 0x4, PushPromise = 0x5, Ping = 0x6, GoAway = 0x7, WindowUpdate = 0x8, Continuation = 0x9;

    // Flags: END_STREAM (DATA, HEADERS), ACK (SETTINGS, PING) share bit 0; END_HEADERS (HEADERS, CONTINUATION) is bit 2;
    // PADDED (DATA, HEADERS) bit 3; PRIORITY (HEADERS) bit 5.
    public const byte EndStream = 0x1, Ack = 0x1, EndHeaders = 0x4, Padded = 0x8, PriorityFlag = 0x20;

    /// <summary>ENHANCE_YOUR_CALM (RFC 9113 §7): the peer is generating excessive load.</summary>
    public const int EnhanceYourCalm = 0xb;

    public bool Has(byte flag) => (Flags & flag) != 0;

    /// <summary>Writes a frame header for a payload of <paramref name="length"/> bytes.</summary>
    public static void Write(Span<byte> destination, int length, byte type, byte flags, int streamId)
    {
        destination[0] = (byte)(length >> 16);
        destination[1] = (byte)(length >> 8);
        destination[2] = (byte)length;
        destination[3] = type;
        destination[4] = flags;
        BinaryPrimitives.WriteInt32BigEndian(destination[5..], streamId & int.MaxValue);
    }

    public static Http2FrameHeader Read(ReadOnlySpan<byte> bytes) => new(
        (bytes[0] << 16) | (bytes[1] << 8) | bytes[2],
        bytes[3],
        bytes[4],
        BinaryPrimitives.ReadInt32BigEndian(bytes[5..]) & int.MaxValue);
}
