using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Google.Protobuf.Reflection;
using MeshProxy.Transcoding.Descriptors;

namespace MeshProxy.Transcoding.Rules;

/// <summary>
/// Encodes the common URL values (strings, booleans, canonical integers, enum names and numbers) straight to protobuf,
/// without the JSON round trip of <see cref="Json.ProtoJsonCodec.WriteFieldFromText"/>, which stays the fallback for
/// everything else (floating point, bytes, well-known types, non-canonical numbers such as <c>1e2</c>), so the accepted
/// forms are the codec's. Values are always written, zero included: a path or query value must override the body even
/// when it is the default (protobuf merge: the last value on the wire wins).
/// </summary>
internal static class FieldTextEncoder
{
    public static bool TryEncode(IReadOnlyList<ProtoField> path, string text, bool caseInsensitiveEnums, IBufferWriter<byte> output)
    {
        var leaf = path[^1];
        ulong varint;
        switch (leaf.Type)
        {
            case FieldType.String:
                var byteCount = Encoding.UTF8.GetByteCount(text);
                WritePrefixes(path, leaf, ProtoEnvelope.VarintSize((ulong)byteCount) + byteCount, output);
                ProtoEnvelope.WriteVarint(output, (ulong)byteCount);
                Encoding.UTF8.GetBytes(text, output);
                return true;

            case FieldType.Bool when text is "true" or "false":
                varint = text == "true" ? 1UL : 0UL;
                break;

            case FieldType.Enum:
                if (IsCanonicalInteger(text) && int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
                {
                    varint = (ulong)(long)number;
                }
                else if (leaf.EnumType is { } enumType && enumType.TryGetNumber(text, caseInsensitiveEnums, out number))
                {
                    varint = (ulong)(long)number;
                }
                else
                {
                    return false;
                }

                break;

            case FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 or FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64:
                if (!IsCanonicalInteger(text) || !long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var signed))
                {
                    return false;
                }

                if (leaf.Type is FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 && signed is < int.MinValue or > int.MaxValue)
                {
                    return false;
                }

                switch (leaf.Type)
                {
                    case FieldType.SFixed32:
                        return WriteFixed32(path, leaf, (uint)(int)signed, output);
                    case FieldType.SFixed64:
                        return WriteFixed64(path, leaf, (ulong)signed, output);
                    case FieldType.SInt32:
                        varint = (uint)(((int)signed << 1) ^ ((int)signed >> 31));
                        break;
                    case FieldType.SInt64:
                        varint = (ulong)((signed << 1) ^ (signed >> 63));
                        break;
                    default:
                        varint = (ulong)signed;
                        break;
                }

                break;

            case FieldType.UInt32 or FieldType.Fixed32 or FieldType.UInt64 or FieldType.Fixed64:
                if (!IsCanonicalInteger(text) || text[0] == '-' || !ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var unsigned))
                {
                    return false;
                }

                if (leaf.Type is FieldType.UInt32 or FieldType.Fixed32 && unsigned > uint.MaxValue)
                {
                    return false;
                }

                if (leaf.Type == FieldType.Fixed32)
                {
                    return WriteFixed32(path, leaf, (uint)unsigned, output);
                }

                if (leaf.Type == FieldType.Fixed64)
                {
                    return WriteFixed64(path, leaf, unsigned, output);
                }

                varint = unsigned;
                break;

            default:
                return false;
        }

        WritePrefixes(path, leaf, ProtoEnvelope.VarintSize(varint), output);
        ProtoEnvelope.WriteVarint(output, varint);
        return true;
    }

    /// <summary>JSON's integer grammar, -?(0|[1-9][0-9]*): anything else (<c>+1</c>, <c>007</c>, <c>1e2</c>) goes to the codec.</summary>
    internal static bool IsCanonicalInteger(string text)
    {
        var i = text.StartsWith('-') ? 1 : 0;
        if (i >= text.Length || text.Length - i > 20 || (text[i] == '0' && text.Length - i > 1))
        {
            return false;
        }

        for (; i < text.Length; i++)
        {
            if (!char.IsAsciiDigit(text[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static bool WriteFixed32(IReadOnlyList<ProtoField> path, ProtoField leaf, uint value, IBufferWriter<byte> output)
    {
        WritePrefixes(path, leaf, 4, output);
        BinaryPrimitives.WriteUInt32LittleEndian(output.GetSpan(4), value);
        output.Advance(4);
        return true;
    }

    private static bool WriteFixed64(IReadOnlyList<ProtoField> path, ProtoField leaf, ulong value, IBufferWriter<byte> output)
    {
        WritePrefixes(path, leaf, 8, output);
        BinaryPrimitives.WriteUInt64LittleEndian(output.GetSpan(8), value);
        output.Advance(8);
        return true;
    }

    /// <summary>Enclosing message prefixes, then the leaf's tag (one unpacked element for a repeated field).</summary>
    private static void WritePrefixes(IReadOnlyList<ProtoField> path, ProtoField leaf, int valueLength, IBufferWriter<byte> output)
    {
        ProtoEnvelope.WritePrefixes(output, path, path.Count - 1, ProtoEnvelope.VarintSize(leaf.Tag) + valueLength);
        ProtoEnvelope.WriteVarint(output, leaf.Tag);
    }
}
