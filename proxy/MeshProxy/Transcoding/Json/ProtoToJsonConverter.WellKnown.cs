using System.Buffers;
using Google.Protobuf.Reflection;
using MeshProxy.Transcoding.Descriptors;
using MeshProxy.Transcoding.Wire;

namespace MeshProxy.Transcoding.Json;

/// <content>Well-known types (protobuf.dev, "ProtoJSON format", well-known types table) and binary validation.</content>
internal sealed partial class ProtoToJsonConverter
{
    private bool WriteWellKnown(ReadOnlySpan<byte> data, MessageType type)
    {
        var start = _entryCount;
        if (!Scan(data, type))
        {
            return false;
        }

        var end = _entryCount;
        SortEntries(start, end);
        var ok = type.WellKnown switch
        {
            WellKnownType.Any => WriteAny(data, type, start, end),
            WellKnownType.Timestamp or WellKnownType.Duration => WriteTime(data, type, start, end),
            WellKnownType.FieldMask => WriteFieldMask(data, start, end),
            WellKnownType.Struct => start == end ? WriteEmptyObject() : WriteMap(data, type.Fields[0], start, end),
            WellKnownType.ListValue => WriteRepeated(data, type.Fields[0], start, end),
            WellKnownType.Value => WriteValue(data, type, start, end),
            _ => WriteWrapper(data, type, start, end),
        };
        _entryCount = start;
        return ok;
    }

    private bool WriteEmptyObject()
    {
        _writer.WriteStartObject();
        _writer.WriteEndObject();
        return true;
    }

    private bool WriteWrapper(ReadOnlySpan<byte> data, MessageType type, int start, int end)
    {
        var field = type.Fields[0];
        if (start == end)
        {
            WriteDefault(field);
            return true;
        }

        var last = _entries[end - 1];
        return WriteScalar(data, field, last.Start, last.End);
    }

    private bool WriteValue(ReadOnlySpan<byte> data, MessageType type, int start, int end)
    {
        if (start == end)
        {
            return Fail("google.protobuf.Value has no kind set");
        }

        // kind is a oneof: the member set last wins; a message member seen twice after it merges.
        var lastStart = -1;
        var winner = -1;
        for (var e = start; e < end; e++)
        {
            if (_entries[e].Start > lastStart)
            {
                lastStart = _entries[e].Start;
                winner = _entries[e].Field;
            }
        }

        var cutoff = -1;
        for (var e = start; e < end; e++)
        {
            if (_entries[e].Field != winner && _entries[e].Start > cutoff)
            {
                cutoff = _entries[e].Start;
            }
        }

        var groupStart = start;
        while (_entries[groupStart].Field != winner || _entries[groupStart].Start < cutoff)
        {
            groupStart++;
        }

        var groupEnd = groupStart;
        while (groupEnd < end && _entries[groupEnd].Field == winner)
        {
            groupEnd++;
        }

        var field = type.Fields[winner];
        if (field.Type == FieldType.Double)
        {
            var last = _entries[groupEnd - 1];
            var number = BitConverter.UInt64BitsToDouble(ReadRaw(data, WireType.Fixed64, last.Start, last.End));
            if (!double.IsFinite(number))
            {
                return Fail("google.protobuf.Value cannot hold NaN or Infinity in JSON");
            }
        }

        return WriteFieldValue(data, field, groupStart, groupEnd);
    }

    private bool WriteTime(ReadOnlySpan<byte> data, MessageType type, int start, int end)
    {
        long seconds = 0;
        var nanos = 0;
        for (var e = start; e < end; e++)
        {
            var raw = ReadRaw(data, WireType.Varint, _entries[e].Start, _entries[e].End);
            if (type.Fields[_entries[e].Field].Number == 1)
            {
                seconds = (long)raw;
            }
            else
            {
                nanos = (int)raw;
            }
        }

        Span<byte> text = stackalloc byte[40];
        int length;
        if (type.WellKnown == WellKnownType.Timestamp)
        {
            if (!ProtoTime.IsValidTimestamp(seconds, nanos))
            {
                return Fail($"timestamp out of range (seconds {seconds}, nanos {nanos}): years 0001 to 9999 only");
            }

            length = ProtoTime.FormatTimestamp(seconds, nanos, text);
        }
        else
        {
            if (!ProtoTime.IsValidDuration(seconds, nanos))
            {
                return Fail($"duration out of range (seconds {seconds}, nanos {nanos})");
            }

            length = ProtoTime.FormatDuration(seconds, nanos, text);
        }

        _writer.WriteStringValue(text[..length]);
        return true;
    }

    private bool WriteFieldMask(ReadOnlySpan<byte> data, int start, int end)
    {
        var total = 0;
        for (var e = start; e < end; e++)
        {
            total += _entries[e].End - _entries[e].Start + 1;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(total, 1));
        try
        {
            var n = 0;
            for (var e = start; e < end; e++)
            {
                var path = data[_entries[e].Start.._entries[e].End];
                if (e > start)
                {
                    buffer[n++] = (byte)',';
                }

                // snake_case to lowerCamelCase; a path that would not come back the same is refused, as JsonFormatter does.
                for (var i = 0; i < path.Length; i++)
                {
                    var c = path[i];
                    if (c is >= (byte)'A' and <= (byte)'Z' || c >= 0x80)
                    {
                        return Fail($"field mask path \"{System.Text.Encoding.UTF8.GetString(path)}\" cannot be written in JSON");
                    }

                    if (c == '_')
                    {
                        if (i + 1 >= path.Length || path[i + 1] is < (byte)'a' or > (byte)'z')
                        {
                            return Fail($"field mask path \"{System.Text.Encoding.UTF8.GetString(path)}\" cannot be written in JSON");
                        }

                        buffer[n++] = (byte)(path[++i] - 32);
                    }
                    else
                    {
                        buffer[n++] = c;
                    }
                }
            }

            _writer.WriteStringValue(buffer.AsSpan(0, n));
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private bool WriteAny(ReadOnlySpan<byte> data, MessageType anyType, int start, int end)
    {
        int urlStart = -1, urlEnd = -1, valueStart = 0, valueEnd = 0;
        for (var e = start; e < end; e++)
        {
            if (anyType.Fields[_entries[e].Field].Number == 1)
            {
                (urlStart, urlEnd) = (_entries[e].Start, _entries[e].End);
            }
            else
            {
                (valueStart, valueEnd) = (_entries[e].Start, _entries[e].End);
            }
        }

        if (urlStart < 0 || urlStart == urlEnd)
        {
            if (valueEnd == valueStart)
            {
                return WriteEmptyObject();
            }

            return Fail("google.protobuf.Any has a value but no type URL");
        }

        var url = data[urlStart..urlEnd];
        var slash = url.LastIndexOf((byte)'/');
        if (!System.Text.Unicode.Utf8.IsValid(url) || slash < 0)
        {
            return Fail("google.protobuf.Any has an invalid type URL");
        }

        var typeName = System.Text.Encoding.UTF8.GetString(url[(slash + 1)..]);
        var embedded = anyType.Pool.FindMessage(typeName);
        if (embedded is null)
        {
            return Fail($"cannot resolve type URL \"{System.Text.Encoding.UTF8.GetString(url)}\" in the descriptor set");
        }

        var value = data[valueStart..valueEnd];
        _writer.WriteStartObject();
        _writer.WritePropertyName("@type"u8);
        _writer.WriteStringValue(url);
        if (embedded.WellKnown == WellKnownType.None)
        {
            if (++_depth > _options.MaxDepth)
            {
                return Fail($"nesting depth exceeds the limit of {_options.MaxDepth}");
            }

            if (!WriteFields(value, embedded))
            {
                return false;
            }

            _depth--;
        }
        else
        {
            _writer.WritePropertyName("value"u8);
            _path.PushField("value");
            if (!WriteMessage(value, embedded))
            {
                return false;
            }

            _path.Pop();
        }

        _writer.WriteEndObject();
        return true;
    }

    private bool ValidateMessage(ReadOnlySpan<byte> data, MessageType type)
    {
        if (++_depth > _options.MaxDepth)
        {
            return Fail($"nesting depth exceeds the limit of {_options.MaxDepth}");
        }

        var start = _entryCount;
        if (!Scan(data, type))
        {
            return false;
        }

        var end = _entryCount;
        for (var e = start; e < end; e++)
        {
            var entry = _entries[e];
            var field = type.Fields[entry.Field];
            var value = data[entry.Start..entry.End];
            _path.PushField(field.JsonName);
            var ok = true;
            if (field.IsMap)
            {
                ok = ReadMapEntry(value, field.MapKey!, field.MapValue!, out _, out var vs, out var ve, out var present)
                     && (!present || !field.MapValue!.IsMessage || ValidateMessage(value[vs..ve], field.MapValue.MessageType))
                     && (!present || field.MapValue!.Type != FieldType.String || System.Text.Unicode.Utf8.IsValid(value[vs..ve]) || Fail("string holds invalid UTF-8"));
            }
            else if (field.IsMessage)
            {
                ok = ValidateMessage(value, field.MessageType);
            }
            else if (field.Type == FieldType.String)
            {
                ok = System.Text.Unicode.Utf8.IsValid(value) || Fail("string field holds invalid UTF-8");
            }
            else if (entry.Wire == WireType.LengthDelimited && field.WireType != WireType.LengthDelimited)
            {
                var p = 0;
                while (ok && p < value.Length)
                {
                    ok = SkipScalar(value, ref p, field.WireType) || Fail("malformed packed repeated field");
                }
            }

            if (!ok)
            {
                return false;
            }

            _path.Pop();
        }

        _entryCount = start;
        _depth--;
        return true;
    }
}
