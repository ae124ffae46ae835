using System.Buffers.Text;
using System.Text.Json;
using System.Text.Unicode;
using Google.Protobuf.Reflection;
using MeshProxy.Transcoding.Descriptors;

namespace MeshProxy.Transcoding.Json;

/// <content>Scalars (protobuf.dev, "ProtoJSON format", table of JSON representations).</content>
internal sealed partial class JsonToProtoConverter
{
    private ScalarStatus ParseScalar(ref Utf8JsonReader reader, ProtoField field, out ScalarValue value)
    {
        value = default;
        switch (field.Type)
        {
            case FieldType.Bool:
                if (reader.TokenType is JsonTokenType.True or JsonTokenType.False)
                {
                    var b = reader.TokenType == JsonTokenType.True;
                    value = new ScalarValue(b ? 1UL : 0UL, !b);
                    return ScalarStatus.Ok;
                }

                return Error($"expected a boolean, got {Describe(ref reader)}");

            case FieldType.String:
                if (reader.TokenType != JsonTokenType.String)
                {
                    return Error($"expected a string, got {Describe(ref reader)}");
                }

                var utf8 = CopyString(ref reader);
                if (!Utf8.IsValid(utf8))
                {
                    return Error("string is not valid UTF-8");
                }

                value = new ScalarValue(utf8);
                return ScalarStatus.Ok;

            case FieldType.Bytes:
                if (reader.TokenType != JsonTokenType.String)
                {
                    return Error($"expected a base64 string, got {Describe(ref reader)}");
                }

                return DecodeBase64(CopyString(ref reader), out value) ? ScalarStatus.Ok : Error("invalid base64 data");

            case FieldType.Enum:
                return ParseEnum(ref reader, field.EnumType!, out value);

            case FieldType.Float:
            case FieldType.Double:
                return ParseFloatingPoint(ref reader, field.Type == FieldType.Float, out value);

            default:
                scoped ReadOnlySpan<byte> text;
                if (reader.TokenType == JsonTokenType.Number)
                {
                    text = NumberText(ref reader);
                }
                else if (reader.TokenType == JsonTokenType.String)
                {
                    text = CopyString(ref reader);
                    if (!IsJsonNumber(text))
                    {
                        return Error($"expected an integer, got {Describe(ref reader)}");
                    }
                }
                else
                {
                    return Error($"expected an integer, got {Describe(ref reader)}");
                }

                return ParseInteger(text, field.Type, out value);
        }
    }

    private ScalarStatus ParseEnum(ref Utf8JsonReader reader, EnumType enumType, out ScalarValue value)
    {
        value = default;
        if (reader.TokenType == JsonTokenType.Null && enumType.IsNullValue)
        {
            value = new ScalarValue(0, true);
            return ScalarStatus.Ok;
        }

        if (reader.TokenType == JsonTokenType.String)
        {
            var name = CopyName(ref reader);
            if (enumType.TryGetNumber(name, _options.CaseInsensitiveEnums, out var number))
            {
                value = new ScalarValue((ulong)(long)number, number == 0);
                return ScalarStatus.Ok;
            }

            return _options.IgnoreUnknownFields
                ? ScalarStatus.Skip
                : Error($"unknown value \"{name}\" for enum {enumType.FullName}");
        }

        if (reader.TokenType == JsonTokenType.Number)
        {
            // Enums are open in proto3: any int32 number is kept, named or not.
            return ParseInteger(NumberText(ref reader), FieldType.Int32, out value);
        }

        return Error($"expected an enum name or number, got {Describe(ref reader)}");
    }

    private ScalarStatus ParseFloatingPoint(ref Utf8JsonReader reader, bool isFloat, out ScalarValue value)
    {
        value = default;
        double number;
        if (reader.TokenType == JsonTokenType.Number)
        {
            if (!Utf8Parser.TryParse(NumberText(ref reader), out number, out _) || double.IsInfinity(number))
            {
                return Error($"number {Describe(ref reader)} is out of range");
            }
        }
        else if (reader.TokenType == JsonTokenType.String)
        {
            var text = CopyString(ref reader);
            if (text.SequenceEqual("NaN"u8))
            {
                number = double.NaN;
            }
            else if (text.SequenceEqual("Infinity"u8))
            {
                number = double.PositiveInfinity;
            }
            else if (text.SequenceEqual("-Infinity"u8))
            {
                number = double.NegativeInfinity;
            }
            else if (!IsJsonNumber(text) || !Utf8Parser.TryParse(text, out number, out var consumed) || consumed != text.Length)
            {
                return Error($"expected a number, got {Describe(ref reader)}");
            }
            else if (double.IsInfinity(number))
            {
                return Error($"number {Describe(ref reader)} is out of range");
            }
        }
        else
        {
            return Error($"expected a number, got {Describe(ref reader)}");
        }

        if (isFloat)
        {
            var single = (float)number;
            if (float.IsInfinity(single) && !double.IsInfinity(number))
            {
                return Error($"number {Describe(ref reader)} is out of range for a float");
            }

            // Implicit presence compares bits, as protobuf C++ does: -0.0 is written (docs/protojson.md).
            value = new ScalarValue(BitConverter.SingleToUInt32Bits(single), BitConverter.SingleToUInt32Bits(single) == 0);
            return ScalarStatus.Ok;
        }

        value = new ScalarValue(BitConverter.DoubleToUInt64Bits(number), BitConverter.DoubleToUInt64Bits(number) == 0);
        return ScalarStatus.Ok;
    }

    /// <summary>
    /// Integers: exact digits, or any JSON number with an integral value (<c>1.0</c>, <c>1e2</c>); quoted forms use the
    /// same grammar. Parsed exactly (decimal arithmetic), so 64-bit values never pass through a double.
    /// </summary>
    private ScalarStatus ParseInteger(scoped ReadOnlySpan<byte> text, FieldType type, out ScalarValue value)
    {
        value = default;
        long signed = 0;
        ulong unsigned = 0;
        var isUnsigned = type is FieldType.UInt32 or FieldType.UInt64 or FieldType.Fixed32 or FieldType.Fixed64;
        bool parsed;
        int consumed;
        if (isUnsigned)
        {
            parsed = Utf8Parser.TryParse(text, out unsigned, out consumed) && consumed == text.Length;
        }
        else
        {
            parsed = Utf8Parser.TryParse(text, out signed, out consumed) && consumed == text.Length;
        }

        if (!parsed)
        {
            var format = text.IndexOfAny((byte)'e', (byte)'E') >= 0 ? 'E' : 'G';
            if (!Utf8Parser.TryParse(text, out decimal d, out consumed, format) || consumed != text.Length)
            {
                return Error($"integer {Quote(text)} is out of range");
            }

            if (d != decimal.Truncate(d))
            {
                return Error($"expected an integer, got {Quote(text)}");
            }

            if (isUnsigned)
            {
                if (d < 0 || d > ulong.MaxValue)
                {
                    return Error($"integer {Quote(text)} is out of range");
                }

                unsigned = (ulong)d;
            }
            else
            {
                if (d < long.MinValue || d > long.MaxValue)
                {
                    return Error($"integer {Quote(text)} is out of range");
                }

                signed = (long)d;
            }
        }

        switch (type)
        {
            case FieldType.Int32:
            case FieldType.SFixed32:
            case FieldType.SInt32:
                if (signed is < int.MinValue or > int.MaxValue)
                {
                    return Error($"integer {Quote(text)} is out of range for a 32-bit integer");
                }

                var i32 = (int)signed;
                value = type switch
                {
                    FieldType.SInt32 => new ScalarValue((uint)((i32 << 1) ^ (i32 >> 31)), i32 == 0),
                    FieldType.SFixed32 => new ScalarValue((uint)i32, i32 == 0),
                    _ => new ScalarValue((ulong)(long)i32, i32 == 0),
                };
                return ScalarStatus.Ok;
            case FieldType.UInt32:
            case FieldType.Fixed32:
                if (unsigned > uint.MaxValue)
                {
                    return Error($"integer {Quote(text)} is out of range for an unsigned 32-bit integer");
                }

                value = new ScalarValue(unsigned, unsigned == 0);
                return ScalarStatus.Ok;
            case FieldType.SInt64:
                value = new ScalarValue((ulong)((signed << 1) ^ (signed >> 63)), signed == 0);
                return ScalarStatus.Ok;
            case FieldType.Int64:
            case FieldType.SFixed64:
                value = new ScalarValue((ulong)signed, signed == 0);
                return ScalarStatus.Ok;
            default:
                value = new ScalarValue(unsigned, unsigned == 0);
                return ScalarStatus.Ok;
        }
    }

    private bool ParseMapKey(ReadOnlySpan<byte> text, ProtoField keyField, out ScalarValue key)
    {
        key = default;
        switch (keyField.Type)
        {
            case FieldType.String:
                if (!Utf8.IsValid(text))
                {
                    return Fail("map key is not valid UTF-8");
                }

                key = new ScalarValue(text);
                return true;
            case FieldType.Bool:
                if (text.SequenceEqual("true"u8))
                {
                    key = new ScalarValue(1, false);
                    return true;
                }

                if (text.SequenceEqual("false"u8))
                {
                    key = new ScalarValue(0, true);
                    return true;
                }

                return Fail($"expected \"true\" or \"false\" as a bool map key, got {Quote(text)}");
            default:
                // Map keys are exact integers: JSON keys are strings, and "1e2" as a key is not what anyone means.
                if (text.IsEmpty || !IsJsonNumber(text) || text.IndexOfAny((byte)'e', (byte)'E', (byte)'.') >= 0)
                {
                    return Fail($"expected an integer map key, got {Quote(text)}");
                }

                return ParseInteger(text, keyField.Type, out key) == ScalarStatus.Ok;
        }
    }

    private void WriteScalar(ProtoField field, in ScalarValue value)
    {
        switch (field.WireType)
        {
            case WireType.Varint:
                _out.WriteVarint64(value.Bits);
                break;
            case WireType.Fixed32:
                _out.WriteFixed32((uint)value.Bits);
                break;
            case WireType.Fixed64:
                _out.WriteFixed64(value.Bits);
                break;
            default:
                _out.WriteLengthPrefixed(value.Bytes);
                break;
        }
    }

    /// <summary>Standard or URL-safe base64, padded or not (protobuf.dev, "ProtoJSON format", bytes).</summary>
    private bool DecodeBase64(ReadOnlySpan<byte> text, out ScalarValue value)
    {
        value = default;
        var padded = (text.Length + 3) & ~3;
        var scratch = _bytes.Length >= padded * 2 ? _bytes : (_bytes = new byte[Math.Max(padded * 2, _bytes.Length * 2)]);

        // text may alias _bytes (an unescaped string): work in the upper half.
        text.CopyTo(scratch.AsSpan(padded));
        var work = scratch.AsSpan(padded, padded);
        var length = text.Length;
        for (var i = 0; i < length; i++)
        {
            var c = work[i];
            if (c == '-')
            {
                work[i] = (byte)'+';
            }
            else if (c == '_')
            {
                work[i] = (byte)'/';
            }
        }

        if (length % 4 == 1)
        {
            return false;
        }

        for (var i = length; i < padded; i++)
        {
            work[i] = (byte)'=';
        }

        var status = System.Buffers.Text.Base64.DecodeFromUtf8(work, scratch, out var read, out var written);
        if (status != System.Buffers.OperationStatus.Done || read != padded)
        {
            return false;
        }

        value = new ScalarValue(scratch.AsSpan(0, written));
        return true;
    }

    private static ReadOnlySpan<byte> NumberText(ref Utf8JsonReader reader) =>
        reader.HasValueSequence ? System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence) : reader.ValueSpan;

    /// <summary>JSON number grammar (RFC 8259 section 6): -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?</summary>
    internal static bool IsJsonNumber(ReadOnlySpan<byte> s)
    {
        var i = 0;
        if (i < s.Length && s[i] == '-')
        {
            i++;
        }

        if (i >= s.Length)
        {
            return false;
        }

        if (s[i] == '0')
        {
            i++;
        }
        else if (IsDigit(s[i]))
        {
            while (i < s.Length && IsDigit(s[i]))
            {
                i++;
            }
        }
        else
        {
            return false;
        }

        if (i < s.Length && s[i] == '.')
        {
            i++;
            var start = i;
            while (i < s.Length && IsDigit(s[i]))
            {
                i++;
            }

            if (i == start)
            {
                return false;
            }
        }

        if (i < s.Length && (s[i] == 'e' || s[i] == 'E'))
        {
            i++;
            if (i < s.Length && (s[i] == '+' || s[i] == '-'))
            {
                i++;
            }

            var start = i;
            while (i < s.Length && IsDigit(s[i]))
            {
                i++;
            }

            if (i == start)
            {
                return false;
            }
        }

        return i == s.Length;

        static bool IsDigit(byte c) => (uint)(c - '0') <= 9;
    }

    private static string Quote(ReadOnlySpan<byte> text) => $"\"{System.Text.Encoding.UTF8.GetString(text)}\"";

    private ScalarStatus Error(string message)
    {
        Fail(message);
        return ScalarStatus.Error;
    }
}
