using System.Buffers;
using System.Numerics;
using MeshProxy.Transcoding.Descriptors;

namespace MeshProxy.Transcoding.Rules;

/// <summary>
/// Writes the tag and length prefixes that nest a payload inside enclosing message fields (<c>a.b.c</c>: the bytes of
/// <c>c</c>'s message go inside <c>b</c>, inside <c>a</c>), so a caller can then write the payload itself straight to the
/// output (protobuf.dev, "Encoding", length-delimited records).
/// </summary>
internal static class ProtoEnvelope
{
    /// <summary>Writes the prefixes of <paramref name="fields"/>[0..<paramref name="count"/>) for a payload of
    /// <paramref name="payloadLength"/> bytes, outermost first.</summary>
    public static void WritePrefixes(IBufferWriter<byte> output, IReadOnlyList<ProtoField> fields, int count, long payloadLength)
    {
        if (count == 0)
        {
            return;
        }

        Span<long> lengths = count <= 16 ? stackalloc long[16] : new long[count];
        var length = payloadLength;
        for (var i = count - 1; i >= 0; i--)
        {
            lengths[i] = length;
            length += VarintSize(fields[i].PackedTag) + VarintSize((ulong)length);
        }

        for (var i = 0; i < count; i++)
        {
            WriteVarint(output, fields[i].PackedTag);
            WriteVarint(output, (ulong)lengths[i]);
        }
    }

    /// <summary>Writes <paramref name="payload"/> wrapped in <paramref name="fields"/>[0..<paramref name="count"/>).</summary>
    public static void WriteWrapped(IBufferWriter<byte> output, IReadOnlyList<ProtoField> fields, int count, ReadOnlySpan<byte> payload)
    {
        WritePrefixes(output, fields, count, payload.Length);
        output.Write(payload);
    }

    public static void WriteVarint(IBufferWriter<byte> output, ulong value)
    {
        var span = output.GetSpan(10);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[i++] = (byte)value;
        output.Advance(i);
    }

    /// <summary>Writes a length-delimited record: tag, length, bytes.</summary>
    public static void WriteBytesField(IBufferWriter<byte> output, uint tag, ReadOnlySpan<byte> bytes)
    {
        WriteVarint(output, tag);
        WriteVarint(output, (ulong)bytes.Length);
        output.Write(bytes);
    }

    public static int VarintSize(ulong value) => value == 0 ? 1 : ((64 - BitOperations.LeadingZeroCount(value)) + 6) / 7;
}
