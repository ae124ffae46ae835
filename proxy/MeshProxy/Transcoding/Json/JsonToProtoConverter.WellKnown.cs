using System.Text.Json;
using System.Text.Unicode;
using MeshProxy.Transcoding.Descriptors;

namespace MeshProxy.Transcoding.Json;

/// <content>Well-known types (protobuf.dev, "ProtoJSON format", well-known types table).</content>
internal sealed partial class JsonToProtoConverter
{
    // Tags inside the well-known types, from google/protobuf/*.proto.
    private const uint ValueNullTag = (1 << 3) | 0;
    private const uint ValueNumberTag = (2 << 3) | 1;
    private const uint ValueStringTag = (3 << 3) | 2;
    private const uint ValueBoolTag = (4 << 3) | 0;
    private const uint ValueStructTag = (5 << 3) | 2;
    private const uint ValueListTag = (6 << 3) | 2;
    private const uint Field1Varint = (1 << 3) | 0;
    private const uint Field2Varint = (2 << 3) | 0;
    private const uint Field1Bytes = (1 << 3) | 2;
    private const uint Field2Bytes = (2 << 3) | 2;

    private bool WriteAny(ref Utf8JsonReader reader, MessageType anyType)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return Fail($"expected an object for google.protobuf.Any, got {Describe(ref reader)}");
        }

        // "@type" may come after the fields (JSON objects are unordered): look ahead on a copy of the reader.
        var probe = reader;
        string? typeUrl = null;
        var empty = true;
        while (probe.Read() && probe.TokenType == JsonTokenType.PropertyName)
        {
            empty = false;
            if (probe.ValueTextEquals("@type"u8))
            {
                probe.Read();
                if (probe.TokenType != JsonTokenType.String)
                {
                    return Fail($"expected a type URL string for \"@type\", got {Describe(ref probe)}");
                }

                typeUrl = probe.GetString();
                break;
            }

            probe.Read();
            probe.Skip();
        }

        if (typeUrl is null)
        {
            if (empty)
            {
                // {} is the empty Any.
                reader.Read();
                return true;
            }

            return Fail("google.protobuf.Any is missing \"@type\"");
        }

        var slash = typeUrl.LastIndexOf('/');
        var embedded = slash < 0 ? null : anyType.Pool.FindMessage(typeUrl[(slash + 1)..]);
        if (embedded is null)
        {
            return Fail($"cannot resolve type URL \"{typeUrl}\" in the descriptor set");
        }

        _out.WriteTag(Field1Bytes);
        WriteUtf16String(typeUrl);
        _out.WriteTag(Field2Bytes);
        var bookmark = _out.BeginLengthPrefixed();
        if (embedded.WellKnown == WellKnownType.None)
        {
            if (++_depth > _options.MaxDepth)
            {
                return Fail($"nesting depth exceeds the limit of {_options.MaxDepth}");
            }

            if (!WriteObjectFields(ref reader, embedded, inAny: true))
            {
                return false;
            }

            _depth--;
        }
        else
        {
            // A well-known type inside Any carries its JSON form in "value".
            var sawValue = false;
            while (true)
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.EndObject)
                {
                    break;
                }

                if (reader.ValueTextEquals("@type"u8))
                {
                    reader.Read();
                    continue;
                }

                if (!reader.ValueTextEquals("value"u8))
                {
                    if (_options.IgnoreUnknownFields)
                    {
                        reader.Read();
                        reader.Skip();
                        continue;
                    }

                    return Fail($"unknown field \"{reader.GetString()}\" in google.protobuf.Any holding {embedded.FullName}");
                }

                if (sawValue)
                {
                    return Fail("duplicate field \"value\"");
                }

                sawValue = true;
                _path.PushField("value");
                reader.Read();
                if (!WriteMessageBody(ref reader, embedded))
                {
                    return false;
                }

                _path.Pop();
            }

            if (!sawValue)
            {
                return Fail($"google.protobuf.Any holding {embedded.FullName} is missing \"value\"");
            }
        }

        _out.EndLengthPrefixed(bookmark);
        return true;
    }

    private bool WriteTimestamp(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            return Fail($"expected an RFC 3339 timestamp string, got {Describe(ref reader)}");
        }

        if (!ProtoTime.TryParseTimestamp(CopyString(ref reader), out var seconds, out var nanos))
        {
            return Fail($"invalid timestamp {Describe(ref reader)} (RFC 3339, years 0001 to 9999)");
        }

        WriteSecondsNanos(seconds, nanos);
        return true;
    }

    private bool WriteDuration(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            return Fail($"expected a duration string such as \"1.5s\", got {Describe(ref reader)}");
        }

        if (!ProtoTime.TryParseDuration(CopyString(ref reader), out var seconds, out var nanos))
        {
            return Fail($"invalid duration {Describe(ref reader)} (decimal seconds with an \"s\" suffix, within ±315576000000s)");
        }

        WriteSecondsNanos(seconds, nanos);
        return true;
    }

    private void WriteSecondsNanos(long seconds, int nanos)
    {
        if (seconds != 0)
        {
            _out.WriteTag(Field1Varint);
            _out.WriteVarint64((ulong)seconds);
        }

        if (nanos != 0)
        {
            _out.WriteTag(Field2Varint);
            _out.WriteVarint64((ulong)(long)nanos);
        }
    }

    /// <summary>FieldMask: lowerCamelCase paths joined by commas; each becomes a snake_case path.</summary>
    private bool WriteFieldMask(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            return Fail($"expected a field mask string, got {Describe(ref reader)}");
        }

        var text = CopyString(ref reader);
        if (text.IsEmpty)
        {
            return true;
        }

        Span<byte> snake = stackalloc byte[256];
        foreach (var range in text.Split((byte)','))
        {
            var path = text[range];
            // Field names are ASCII identifiers: a non-ASCII path names no field and could not be printed back (the
            // formatter refuses it, as JsonFormatter does), so it is refused here too (found by fuzz/run.sh protojson).
            if (path.IndexOf((byte)'_') >= 0 || path.IndexOfAnyInRange((byte)0x80, (byte)0xFF) >= 0)
            {
                return Fail($"invalid field mask path {Quote(path)}: JSON paths are lowerCamelCase ASCII");
            }

            var upper = 0;
            foreach (var c in path)
            {
                upper += c is >= (byte)'A' and <= (byte)'Z' ? 1 : 0;
            }

            var buffer = path.Length + upper <= snake.Length ? snake : new byte[path.Length + upper];
            var n = 0;
            foreach (var c in path)
            {
                if (c is >= (byte)'A' and <= (byte)'Z')
                {
                    buffer[n++] = (byte)'_';
                    buffer[n++] = (byte)(c + 32);
                }
                else
                {
                    buffer[n++] = c;
                }
            }

            _out.WriteTag(Field1Bytes);
            _out.WriteLengthPrefixed(buffer[..n]);
        }

        return true;
    }

    private bool WriteStruct(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return Fail($"expected an object for google.protobuf.Struct, got {Describe(ref reader)}");
        }

        while (true)
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                return true;
            }

            // fields: map<string, Value> = 1, so each property is an entry { key = 1; value = 2 }.
            _out.WriteTag(Field1Bytes);
            var entry = _out.BeginLengthPrefixed();
            var key = CopyString(ref reader);
            if (!Utf8.IsValid(key))
            {
                return Fail("Struct key is not valid UTF-8");
            }

            _path.PushKey(key);
            _out.WriteTag(Field1Bytes);
            _out.WriteLengthPrefixed(key);
            reader.Read();
            _out.WriteTag(Field2Bytes);
            var value = _out.BeginLengthPrefixed();
            if (!WriteValueCounted(ref reader))
            {
                return false;
            }

            _out.EndLengthPrefixed(value);
            _out.EndLengthPrefixed(entry);
            _path.Pop();
        }
    }

    private bool WriteListValue(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return Fail($"expected an array for google.protobuf.ListValue, got {Describe(ref reader)}");
        }

        _path.PushIndex(0);
        var index = 0;
        while (true)
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                _path.Pop();
                return true;
            }

            _path.SetIndex(index++);
            _out.WriteTag(Field1Bytes);
            var value = _out.BeginLengthPrefixed();
            if (!WriteValueCounted(ref reader))
            {
                return false;
            }

            _out.EndLengthPrefixed(value);
        }
    }

    /// <summary>A google.protobuf.Value nested in Struct or ListValue: one more level of depth.</summary>
    private bool WriteValueCounted(ref Utf8JsonReader reader)
    {
        if (++_depth > _options.MaxDepth)
        {
            return Fail($"nesting depth exceeds the limit of {_options.MaxDepth}");
        }

        var ok = WriteValue(ref reader);
        _depth--;
        return ok;
    }

    private bool WriteValue(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                _out.WriteTag(ValueNullTag);
                _out.WriteVarint32(0);
                return true;
            case JsonTokenType.True:
            case JsonTokenType.False:
                _out.WriteTag(ValueBoolTag);
                _out.WriteVarint32(reader.TokenType == JsonTokenType.True ? 1u : 0u);
                return true;
            case JsonTokenType.Number:
                if (!System.Buffers.Text.Utf8Parser.TryParse(NumberText(ref reader), out double number, out _) || double.IsInfinity(number))
                {
                    return Fail($"number {Describe(ref reader)} is out of range");
                }

                _out.WriteTag(ValueNumberTag);
                _out.WriteFixed64(BitConverter.DoubleToUInt64Bits(number));
                return true;
            case JsonTokenType.String:
                var text = CopyString(ref reader);
                if (!Utf8.IsValid(text))
                {
                    return Fail("string is not valid UTF-8");
                }

                _out.WriteTag(ValueStringTag);
                _out.WriteLengthPrefixed(text);
                return true;
            case JsonTokenType.StartObject:
            {
                _out.WriteTag(ValueStructTag);
                var bookmark = _out.BeginLengthPrefixed();
                if (!WriteStructCounted(ref reader))
                {
                    return false;
                }

                _out.EndLengthPrefixed(bookmark);
                return true;
            }

            case JsonTokenType.StartArray:
            {
                _out.WriteTag(ValueListTag);
                var bookmark = _out.BeginLengthPrefixed();
                if (!WriteListCounted(ref reader))
                {
                    return false;
                }

                _out.EndLengthPrefixed(bookmark);
                return true;
            }

            default:
                return Fail($"unexpected {Describe(ref reader)}");
        }
    }

    private bool WriteStructCounted(ref Utf8JsonReader reader)
    {
        if (++_depth > _options.MaxDepth)
        {
            return Fail($"nesting depth exceeds the limit of {_options.MaxDepth}");
        }

        var ok = WriteStruct(ref reader);
        _depth--;
        return ok;
    }

    private bool WriteListCounted(ref Utf8JsonReader reader)
    {
        if (++_depth > _options.MaxDepth)
        {
            return Fail($"nesting depth exceeds the limit of {_options.MaxDepth}");
        }

        var ok = WriteListValue(ref reader);
        _depth--;
        return ok;
    }

    private bool WriteWrapper(ref Utf8JsonReader reader, MessageType type)
    {
        // Wrappers are their wrapped scalar in JSON; the scalar is field 1, omitted when default.
        var field = type.Fields[0];
        var status = ParseScalar(ref reader, field, out var value);
        if (status == ScalarStatus.Error)
        {
            return false;
        }

        if (status == ScalarStatus.Ok && !value.IsDefault)
        {
            _out.WriteTag(field.Tag);
            WriteScalar(field, value);
        }

        return true;
    }

    private void WriteUtf16String(string text)
    {
        var max = System.Text.Encoding.UTF8.GetMaxByteCount(text.Length);
        var span = _out.GetSpan(max + 5);
        var length = System.Text.Encoding.UTF8.GetBytes(text, span[5..]);
        _out.WriteVarint32((uint)length);
        var target = _out.GetSpan(length);

        // GetSpan after the varint may have moved the buffer; encode again into the final place (type URLs are short).
        System.Text.Encoding.UTF8.GetBytes(text, target);
        _out.Advance(length);
    }
}
