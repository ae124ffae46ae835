using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Text;
using System.Text.Unicode;
using Google.Protobuf.Reflection;
using MeshProxy.Transcoding.Descriptors;
using MeshProxy.Transcoding.Wire;

namespace MeshProxy.Transcoding.Json;

/// <content>Scalars and maps (protobuf.dev, "ProtoJSON format", table of JSON representations).</content>
internal sealed partial class ProtoToJsonConverter
{
    private static ulong ReadRaw(ReadOnlySpan<byte> data, WireType wireType, int start, int end)
    {
        switch (wireType)
        {
            case WireType.Varint:
                var p = start;
                WireReader.TryReadVarint(data, ref p, out var v);
                return v;
            case WireType.Fixed32:
                return BinaryPrimitives.ReadUInt32LittleEndian(data[start..end]);
            default:
                return BinaryPrimitives.ReadUInt64LittleEndian(data[start..end]);
        }
    }

    private static bool IsDefaultScalar(ReadOnlySpan<byte> data, ProtoField field, Entry entry)
    {
        if (field.WireType == WireType.LengthDelimited)
        {
            return entry.End == entry.Start;
        }

        var raw = ReadRaw(data, field.WireType, entry.Start, entry.End);
        return field.Type switch
        {
            FieldType.Float => (uint)raw == 0,
                        FieldType.Int32 or FieldType.Enum or FieldType.UInt32 or FieldType.SInt32 => (uint)raw == 0,
            _ => raw == 0,
        };
    }

    private bool WriteScalar(ReadOnlySpan<byte> data, ProtoField field, int start, int end)
    {
        switch (field.Type)
        {
            case FieldType.String:
            {
                var text = data[start..end];
                if (!Utf8.IsValid(text))
                {
                    return Fail("string field holds invalid UTF-8");
                }

                _writer.WriteStringValue(text);
                return true;
            }

            case FieldType.Bytes:
                _writer.WriteBase64StringValue(data[start..end]);
                return true;
        }

        var raw = ReadRaw(data, field.WireType, start, end);
        switch (field.Type)
        {
            case FieldType.Int32:
            case FieldType.SFixed32:
                _writer.WriteNumberValue((int)raw);
                break;
            case FieldType.UInt32:
            case FieldType.Fixed32:
                _writer.WriteNumberValue((uint)raw);
                break;
            case FieldType.SInt32:
                _writer.WriteNumberValue((int)((uint)raw >> 1) ^ -(int)((uint)raw & 1));
                break;
            case FieldType.Int64:
            case FieldType.SFixed64:
                WriteQuoted((long)raw);
                break;
            case FieldType.SInt64:
                WriteQuoted((long)(raw >> 1) ^ -(long)(raw & 1));
                break;
            case FieldType.UInt64:
            case FieldType.Fixed64:
                WriteQuoted(raw);
                break;
            case FieldType.Bool:
                _writer.WriteBooleanValue(raw != 0);
                break;
            case FieldType.Float:
                var single = BitConverter.UInt32BitsToSingle((uint)raw);
                if (float.IsFinite(single))
                {
                    _writer.WriteNumberValue(single);
                }
                else
                {
                    WriteNonFinite(single);
                }

                break;
            case FieldType.Double:
                var number = BitConverter.UInt64BitsToDouble(raw);
                if (double.IsFinite(number))
                {
                    _writer.WriteNumberValue(number);
                }
                else
                {
                    WriteNonFinite(number);
                }

                break;
            case FieldType.Enum:
                WriteEnum(field.EnumType!, (int)raw);
                break;
            default:
                return Fail($"unsupported field type {field.Type}");
        }

        return true;
    }

    private void WriteEnum(EnumType enumType, int number)
    {
        if (enumType.IsNullValue)
        {
            _writer.WriteNullValue();
        }
        else if (!_options.EnumsAsIntegers && enumType.TryGetName(number, out var name))
        {
            _writer.WriteStringValue(name);
        }
        else
        {
            // Unknown numbers of an open enum are kept and written as numbers.
            _writer.WriteNumberValue(number);
        }
    }

    private void WriteNonFinite(double value) =>
        _writer.WriteStringValue(double.IsNaN(value) ? "NaN"u8 : value > 0 ? "Infinity"u8 : "-Infinity"u8);

    private void WriteQuoted(long value)
    {
        Span<byte> buffer = stackalloc byte[20];
        Utf8Formatter.TryFormat(value, buffer, out var written);
        _writer.WriteStringValue(buffer[..written]);
    }

    private void WriteQuoted(ulong value)
    {
        Span<byte> buffer = stackalloc byte[20];
        Utf8Formatter.TryFormat(value, buffer, out var written);
        _writer.WriteStringValue(buffer[..written]);
    }

    /// <summary>The value of a field without presence that is not on the wire (EmitDefaultValues).</summary>
    private void WriteDefault(ProtoField field)
    {
        if (field.IsMap)
        {
            _writer.WriteStartObject();
            _writer.WriteEndObject();
            return;
        }

        if (field.IsRepeated)
        {
            _writer.WriteStartArray();
            _writer.WriteEndArray();
            return;
        }

        switch (field.Type)
        {
            case FieldType.String:
            case FieldType.Bytes:
                _writer.WriteStringValue(""u8);
                break;
            case FieldType.Bool:
                _writer.WriteBooleanValue(false);
                break;
            case FieldType.Int64:
            case FieldType.SInt64:
            case FieldType.SFixed64:
            case FieldType.UInt64:
            case FieldType.Fixed64:
                _writer.WriteStringValue("0"u8);
                break;
            case FieldType.Enum:
                WriteEnum(field.EnumType!, 0);
                break;
            default:
                _writer.WriteNumberValue(0);
                break;
        }
    }

    private bool WriteMap(ReadOnlySpan<byte> data, ProtoField field, int groupStart, int groupEnd)
    {
        var keyField = field.MapKey!;
        var valueField = field.MapValue!;
        var count = groupEnd - groupStart;

        // Keys first: a later entry with the same key replaces an earlier one (protobuf.dev, "Encoding", maps).
        var keys = ArrayPool<string>.Shared.Rent(count);
        var valueRanges = ArrayPool<(int Start, int End, bool Present)>.Shared.Rent(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var entry = _entries[groupStart + i];
                if (!ReadMapEntry(data[entry.Start..entry.End], keyField, valueField, out keys[i], out var vs, out var ve, out var present))
                {
                    return false;
                }

                valueRanges[i] = (entry.Start + vs, entry.Start + ve, present);
            }

            // Small maps compare pairwise; larger ones use a table (duplicates are rare, but must not cost O(n^2)).
            Dictionary<string, int>? lastIndex = null;
            if (count > 8)
            {
                lastIndex = new Dictionary<string, int>(count, StringComparer.Ordinal);
                for (var i = 0; i < count; i++)
                {
                    lastIndex[keys[i]] = i;
                }
            }

            _writer.WriteStartObject();
            for (var i = 0; i < count; i++)
            {
                if (lastIndex is not null ? lastIndex[keys[i]] != i : IsReplacedLater(keys, i, count))
                {
                    continue;
                }

                _writer.WritePropertyName(keys[i]);
                _path.PushKey(keys[i]);
                var (vs, ve, present) = valueRanges[i];
                bool ok;
                if (!present)
                {
                    ok = true;
                    if (valueField.IsMessage)
                    {
                        ok = WriteMessage([], valueField.MessageType);
                    }
                    else
                    {
                        WriteDefault(valueField);
                    }
                }
                else
                {
                    ok = valueField.IsMessage ? WriteMessage(data[vs..ve], valueField.MessageType) : WriteScalar(data, valueField, vs, ve);
                }

                if (!ok)
                {
                    return false;
                }

                _path.Pop();
            }

            _writer.WriteEndObject();
            return true;
        }
        finally
        {
            ArrayPool<string>.Shared.Return(keys, clearArray: true);
            ArrayPool<(int Start, int End, bool Present)>.Shared.Return(valueRanges);
        }
    }

    private static bool IsReplacedLater(string[] keys, int index, int count)
    {
        for (var j = index + 1; j < count; j++)
        {
            if (string.Equals(keys[j], keys[index], StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Reads one map entry message: the key as JSON key text, and the range of the (last) value.</summary>
    private bool ReadMapEntry(ReadOnlySpan<byte> entry, ProtoField keyField, ProtoField valueField, out string key, out int valueStart, out int valueEnd, out bool valuePresent)
    {
        key = string.Empty;
        valueStart = valueEnd = 0;
        valuePresent = false;
        int keyStart = -1, keyEnd = -1;
        var position = 0;
        while (position < entry.Length)
        {
            var result = WireReader.TryReadTag(entry, ref position, out var number, out var wireType);
            if (result != WireReadResult.Ok)
            {
                return Fail(WireReader.Describe(result));
            }

            var target = number == 1 && wireType == keyField.WireType ? keyField : number == 2 && wireType == valueField.WireType ? valueField : null;
            if (target is null)
            {
                result = wireType == WireType.EndGroup ? WireReadResult.UnbalancedGroup : WireReader.SkipValue(entry, ref position, number, wireType, _options.MaxDepth - _depth);
                if (result != WireReadResult.Ok)
                {
                    return Fail(WireReader.Describe(result));
                }

                continue;
            }

            var start = position;
            var end = position;
            if (wireType == WireType.LengthDelimited)
            {
                result = WireReader.TryReadLength(entry, ref position, out start, out end);
            }
            else
            {
                result = SkipScalar(entry, ref position, wireType) ? WireReadResult.Ok : WireReadResult.Truncated;
                end = position;
            }

            if (result != WireReadResult.Ok)
            {
                return Fail(WireReader.Describe(result));
            }

            if (target == keyField)
            {
                (keyStart, keyEnd) = (start, end);
            }
            else
            {
                // A value message sent twice inside one entry would merge; that never happens in practice and we keep the last.
                (valueStart, valueEnd, valuePresent) = (start, end, true);
            }
        }

        if (keyStart < 0)
        {
            key = keyField.Type switch
            {
                FieldType.String => string.Empty,
                FieldType.Bool => "false",
                _ => "0",
            };
            return true;
        }

        if (keyField.Type == FieldType.String)
        {
            var text = entry[keyStart..keyEnd];
            if (!Utf8.IsValid(text))
            {
                return Fail("map key holds invalid UTF-8");
            }

            key = Encoding.UTF8.GetString(text);
            return true;
        }

        var raw = ReadRaw(entry, keyField.WireType, keyStart, keyEnd);
        key = keyField.Type switch
        {
            FieldType.Bool => raw != 0 ? "true" : "false",
            FieldType.Int32 or FieldType.SFixed32 => ((int)raw).ToString(System.Globalization.CultureInfo.InvariantCulture),
            FieldType.SInt32 => ((int)((uint)raw >> 1) ^ -(int)((uint)raw & 1)).ToString(System.Globalization.CultureInfo.InvariantCulture),
            FieldType.UInt32 or FieldType.Fixed32 => ((uint)raw).ToString(System.Globalization.CultureInfo.InvariantCulture),
            FieldType.Int64 or FieldType.SFixed64 => ((long)raw).ToString(System.Globalization.CultureInfo.InvariantCulture),
            FieldType.SInt64 => ((long)(raw >> 1) ^ -(long)(raw & 1)).ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => raw.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        return true;
    }
}
