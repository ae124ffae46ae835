using System.Buffers;
using System.Buffers.Binary;

namespace MeshProxy.Grpc.Framing;

/// <summary>
/// The five bytes in front of every gRPC message (PROTOCOL-HTTP2.md, Length-Prefixed-Message: Compressed-Flag, then
/// Message-Length as a 4-byte big-endian unsigned integer). The one place the prefix is read or written: the frame
/// reader and writer, the proxy's frame tracking and the transcoder all go through it.
/// </summary>
public static class GrpcMessagePrefix
{
    /// <summary>Writes a prefix into the first <see cref="GrpcProtocol.MessagePrefixLength"/> bytes of <paramref name="destination"/>.</summary>
    public static void Write(Span<byte> destination, bool compressed, uint length)
    {
        destination[0] = compressed ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(destination[1..GrpcProtocol.MessagePrefixLength], length);
    }

    /// <summary>
    /// Reads the flag and length of a whole prefix. The flag is returned as sent (0 or 1 by the spec), so the caller
    /// decides what a bad one means.
    /// </summary>
    public static (byte Flag, uint Length) Read(ReadOnlySpan<byte> prefix) =>
        (prefix[0], BinaryPrimitives.ReadUInt32BigEndian(prefix[1..GrpcProtocol.MessagePrefixLength]));

    /// <summary>Reads the prefix at the front of a buffer that may be split over segments; false while it is incomplete.</summary>
    public static bool TryRead(in ReadOnlySequence<byte> buffer, out byte flag, out uint length)
    {
        if (buffer.Length < GrpcProtocol.MessagePrefixLength)
        {
            (flag, length) = (0, 0);
            return false;
        }

        Span<byte> prefix = stackalloc byte[GrpcProtocol.MessagePrefixLength];
        buffer.Slice(0, GrpcProtocol.MessagePrefixLength).CopyTo(prefix);
        (flag, length) = Read(prefix);
        return true;
    }

    /// <summary>
    /// Reserves room for an uncompressed message's prefix in <paramref name="writer"/>, which must be empty: the
    /// message is then written after it and <see cref="Complete"/> fills the prefix in once its length is known.
    /// </summary>
    public static void Reserve(IBufferWriter<byte> writer)
    {
        writer.GetSpan(GrpcProtocol.MessagePrefixLength)[..GrpcProtocol.MessagePrefixLength].Clear();
        writer.Advance(GrpcProtocol.MessagePrefixLength);
    }

    /// <summary>Fills in the prefix <see cref="Reserve"/> left at the front of <paramref name="frame"/> (prefix and message).</summary>
    public static void Complete(Span<byte> frame) =>
        Write(frame, compressed: false, (uint)(frame.Length - GrpcProtocol.MessagePrefixLength));
}
