using System.Buffers.Binary;
using MeshProxy.Transcoding.Descriptors;

namespace MeshProxy.Transcoding.Wire;

/// <summary>
/// Bounds-checked protobuf primitives over a span (protobuf.dev, "Encoding"). Every read reports failure instead of
/// throwing, so hostile input (truncated varints, lengths past the end, stray end-groups) becomes a value.
/// </summary>
internal static class WireReader
{
    public static bool TryReadVarint(ReadOnlySpan<byte> data, ref int position, out ulong value)
    {
        value = 0;
        var shift = 0;
        var p = position;
        for (var i = 0; i < 10; i++)
        {
            if ((uint)p >= (uint)data.Length)
            {
                return false;
            }

            var b = data[p++];
            if (i == 9 && b > 1)
            {
                // The tenth byte may only carry the 64th bit.
                return false;
            }

            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                position = p;
                return true;
            }

            shift += 7;
        }

        return false;
    }

    public static WireReadResult TryReadTag(ReadOnlySpan<byte> data, ref int position, out int number, out WireType wireType)
    {
        number = 0;
        wireType = 0;
        if (!TryReadVarint(data, ref position, out var tag))
        {
            return position >= data.Length ? WireReadResult.Truncated : WireReadResult.MalformedVarint;
        }

        if (tag > uint.MaxValue)
        {
            return WireReadResult.InvalidTag;
        }

        number = (int)(tag >> 3);
        var type = (int)(tag & 7);
        if (number == 0 || number > WireFormat.MaxFieldNumber)
        {
            return WireReadResult.InvalidTag;
        }

        if (type > 5)
        {
            return WireReadResult.InvalidWireType;
        }

        wireType = (WireType)type;
        return WireReadResult.Ok;
    }

    public static bool TryReadFixed32(ReadOnlySpan<byte> data, ref int position, out uint value)
    {
        if (data.Length - position < 4)
        {
            value = 0;
            return false;
        }

        value = BinaryPrimitives.ReadUInt32LittleEndian(data[position..]);
        position += 4;
        return true;
    }

    public static bool TryReadFixed64(ReadOnlySpan<byte> data, ref int position, out ulong value)
    {
        if (data.Length - position < 8)
        {
            value = 0;
            return false;
        }

        value = BinaryPrimitives.ReadUInt64LittleEndian(data[position..]);
        position += 8;
        return true;
    }

    public static WireReadResult TryReadLength(ReadOnlySpan<byte> data, ref int position, out int start, out int end)
    {
        start = end = 0;
        if (!TryReadVarint(data, ref position, out var length))
        {
            return WireReadResult.Truncated;
        }

        if (length > (ulong)(data.Length - position))
        {
            return WireReadResult.LengthOutOfRange;
        }

        start = position;
        end = position + (int)length;
        position = end;
        return WireReadResult.Ok;
    }

    /// <summary>Skips one value of the given wire type, including a whole group (proto2 groups are legal unknown fields).</summary>
    public static WireReadResult SkipValue(ReadOnlySpan<byte> data, ref int position, int number, WireType wireType, int depthLeft)
    {
        switch (wireType)
        {
            case WireType.Varint:
                return TryReadVarint(data, ref position, out _) ? WireReadResult.Ok : WireReadResult.MalformedVarint;
            case WireType.Fixed64:
                return TryReadFixed64(data, ref position, out _) ? WireReadResult.Ok : WireReadResult.Truncated;
            case WireType.Fixed32:
                return TryReadFixed32(data, ref position, out _) ? WireReadResult.Ok : WireReadResult.Truncated;
            case WireType.LengthDelimited:
                return TryReadLength(data, ref position, out _, out _);
            case WireType.StartGroup:
                if (depthLeft <= 0)
                {
                    return WireReadResult.TooDeep;
                }

                while (true)
                {
                    var result = TryReadTag(data, ref position, out var innerNumber, out var innerType);
                    if (result != WireReadResult.Ok)
                    {
                        return result;
                    }

                    if (innerType == WireType.EndGroup)
                    {
                        return innerNumber == number ? WireReadResult.Ok : WireReadResult.UnbalancedGroup;
                    }

                    result = SkipValue(data, ref position, innerNumber, innerType, depthLeft - 1);
                    if (result != WireReadResult.Ok)
                    {
                        return result;
                    }
                }

            default:
                return WireReadResult.UnbalancedGroup;
        }
    }

    public static string Describe(WireReadResult result) => result switch
    {
        WireReadResult.Truncated => "truncated protobuf input",
        WireReadResult.MalformedVarint => "truncated or malformed varint",
        WireReadResult.InvalidTag => "invalid field number in tag",
        WireReadResult.InvalidWireType => "invalid wire type",
        WireReadResult.LengthOutOfRange => "length-delimited value runs past the end of its message",
        WireReadResult.UnbalancedGroup => "unbalanced group (end-group without matching start-group)",
        WireReadResult.TooDeep => "nesting depth limit exceeded",
        _ => "invalid protobuf input",
    };
}
