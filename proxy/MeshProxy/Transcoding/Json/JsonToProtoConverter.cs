using System.Buffers;
using System.Text.Json;
using Google.Protobuf.Reflection;
using MeshProxy.Transcoding.Descriptors;
using MeshProxy.Transcoding.Wire;

namespace MeshProxy.Transcoding.Json;

/// <summary>
/// JSON to protobuf in one forward pass: a <see cref="Utf8JsonReader"/> over the input feeds a
/// <see cref="ProtoBufferWriter"/> directly, with no object tree in between. One instance per thread is reused
/// (see <see cref="ProtoJsonCodec"/>); it holds only scratch buffers between calls.
/// Rules follow protobuf.dev "ProtoJSON format"; where Google.Protobuf differs, docs/protojson.md says so.
/// </summary>
internal sealed partial class JsonToProtoConverter
{
    private readonly JsonPathBuilder _path = new();
    private ProtoBufferWriter _out = null!;
    private JsonParseOptions _options = JsonParseOptions.Default;
    private CodecError? _error;
    private int _depth;
    private char[] _chars = new char[128];
    private byte[] _bytes = new byte[256];

    public CodecResult Convert(ReadOnlySequence<byte> json, MessageType type, ProtoBufferWriter output, JsonParseOptions options)
    {
        _out = output;
        _options = options;
        _error = null;
        _depth = 0;
        _path.Reset();
        try
        {
            if (json.Length > options.MaxInputBytes)
            {
                return CodecResult.Fail(new CodecError("$", $"JSON input of {json.Length} bytes exceeds the limit of {options.MaxInputBytes} bytes"));
            }

            var reader = new Utf8JsonReader(json, new JsonReaderOptions
            {
                // Arrays add a JSON level per message level; our own message depth check fires first.
                MaxDepth = (options.MaxDepth * 2) + 8,
                CommentHandling = JsonCommentHandling.Disallow,
                AllowTrailingCommas = false,
            });
            if (!reader.Read())
            {
                return CodecResult.Fail(new CodecError("$", "empty input, expected a JSON value"));
            }

            if (!WriteMessageBody(ref reader, type))
            {
                return CodecResult.Fail(_error!);
            }

            // Throws JsonException if anything but whitespace follows the value.
            while (reader.Read())
            {
            }

            return CodecResult.Success;
        }
        catch (JsonException e)
        {
            return CodecResult.Fail(new CodecError(_path.ToString(), $"invalid JSON: {e.Message}"));
        }
        catch (InvalidOperationException e)
        {
            // Unescaping a string with a lone surrogate, or similar malformed text.
            return CodecResult.Fail(new CodecError(_path.ToString(), $"invalid JSON text: {e.Message}"));
        }
        finally
        {
            _out = null!;
        }
    }

    /// <summary>
    /// Writes the body (no tag, no length) of a message whose JSON value starts at the reader's current token.
    /// Well-known types have their own JSON forms.
    /// </summary>
    private bool WriteMessageBody(ref Utf8JsonReader reader, MessageType type)
    {
        if (++_depth > _options.MaxDepth)
        {
            return Fail($"nesting depth exceeds the limit of {_options.MaxDepth}");
        }

        var ok = type.WellKnown switch
        {
            WellKnownType.None => WriteObjectFields(ref reader, type, inAny: false),
            WellKnownType.Any => WriteAny(ref reader, type),
            WellKnownType.Timestamp => WriteTimestamp(ref reader),
            WellKnownType.Duration => WriteDuration(ref reader),
            WellKnownType.FieldMask => WriteFieldMask(ref reader),
            WellKnownType.Struct => WriteStruct(ref reader),
            WellKnownType.Value => WriteValue(ref reader),
            WellKnownType.ListValue => WriteListValue(ref reader),
            WellKnownType.Empty => WriteObjectFields(ref reader, type, inAny: false),
            _ => WriteWrapper(ref reader, type),
        };
        _depth--;
        return ok;
    }

    private bool WriteObjectFields(ref Utf8JsonReader reader, MessageType type, bool inAny)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return Fail($"expected an object for {type.FullName}, got {Describe(ref reader)}");
        }

        // Seen fields (duplicate keys are rejected) and set oneofs (two members set is an error).
        var words = ((type.Fields.Count + type.OneofCount) >> 6) + 1;
        Span<ulong> seen = words <= 8 ? stackalloc ulong[8] : new ulong[words];
        seen.Clear();
        var oneofBase = type.Fields.Count;
        while (true)
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                return true;
            }

            var name = CopyName(ref reader);
            if (inAny && name.SequenceEqual("@type"))
            {
                reader.Read();
                continue;
            }

            var field = type.FindField(name);
            if (field is null)
            {
                if (_options.IgnoreUnknownFields)
                {
                    reader.Read();
                    reader.Skip();
                    continue;
                }

                return Fail($"unknown field \"{name}\" in {type.FullName}");
            }

            _path.PushField(field.JsonName);
            if (!TestAndSet(seen, field.Index))
            {
                return Fail($"duplicate field \"{name}\"");
            }

            reader.Read();
            if (field.OneofIndex >= 0 && (reader.TokenType != JsonTokenType.Null || AcceptsNull(field)))
            {
                if (!TestAndSet(seen, oneofBase + field.OneofIndex))
                {
                    return Fail($"more than one member of oneof {type.Descriptor.Oneofs[field.OneofIndex].Name} is set");
                }
            }

            if (!WriteField(ref reader, field))
            {
                return false;
            }

            _path.Pop();
        }
    }

    private bool WriteField(ref Utf8JsonReader reader, ProtoField field)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            // null means "default" (absent), except that google.protobuf.Value and NullValue take null as their value.
            if (!field.IsRepeated && !field.IsMap && AcceptsNull(field))
            {
                _out.WriteTag(field.Tag);
                if (field.IsMessage)
                {
                    _out.WriteVarint32(2);
                    _out.WriteVarint32(ValueNullTag);
                    _out.WriteVarint32(0);
                }
                else
                {
                    _out.WriteVarint32(0);
                }
            }

            return true;
        }

        if (field.IsMap)
        {
            return WriteMap(ref reader, field);
        }

        if (field.IsRepeated)
        {
            return WriteRepeated(ref reader, field);
        }

        if (field.IsMessage)
        {
            _out.WriteTag(field.Tag);
            var bookmark = _out.BeginLengthPrefixed();
            if (!WriteMessageBody(ref reader, field.MessageType))
            {
                return false;
            }

            _out.EndLengthPrefixed(bookmark);
            return true;
        }

        var status = ParseScalar(ref reader, field, out var value);
        if (status != ScalarStatus.Ok)
        {
            return status == ScalarStatus.Skip;
        }

        if (!field.HasPresence && value.IsDefault)
        {
            return true;
        }

        _out.WriteTag(field.Tag);
        WriteScalar(field, value);
        return true;
    }

    private bool WriteRepeated(ref Utf8JsonReader reader, ProtoField field)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return Fail($"expected an array, got {Describe(ref reader)}");
        }

        var start = _out.Length;
        var bookmark = -1;
        if (field.IsPacked)
        {
            _out.WriteTag(field.PackedTag);
            bookmark = _out.BeginLengthPrefixed();
        }

        _path.PushIndex(0);
        var index = 0;
        while (true)
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                break;
            }

            _path.SetIndex(index++);
            if (field.IsMessage)
            {
                if (reader.TokenType == JsonTokenType.Null && field.MessageType.WellKnown != WellKnownType.Value)
                {
                    return Fail("null is not allowed as an element of a repeated field");
                }

                _out.WriteTag(field.Tag);
                var element = _out.BeginLengthPrefixed();
                if (!WriteMessageBody(ref reader, field.MessageType))
                {
                    return false;
                }

                _out.EndLengthPrefixed(element);
                continue;
            }

            if (reader.TokenType == JsonTokenType.Null && field.EnumType is not { IsNullValue: true })
            {
                return Fail("null is not allowed as an element of a repeated field");
            }

            var status = ParseScalar(ref reader, field, out var value);
            if (status == ScalarStatus.Skip)
            {
                continue;
            }

            if (status == ScalarStatus.Error)
            {
                return false;
            }

            if (!field.IsPacked)
            {
                _out.WriteTag(field.Tag);
            }

            WriteScalar(field, value);
        }

        _path.Pop();
        if (field.IsPacked)
        {
            if (_out.Length == bookmark + 1)
            {
                _out.Truncate(start);
            }
            else
            {
                _out.EndLengthPrefixed(bookmark);
            }
        }

        return true;
    }

    private bool WriteMap(ref Utf8JsonReader reader, ProtoField field)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return Fail($"expected an object for a map, got {Describe(ref reader)}");
        }

        var keyField = field.MapKey!;
        var valueField = field.MapValue!;
        while (true)
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                return true;
            }

            var entryStart = _out.Length;
            _out.WriteTag(field.Tag);
            var entry = _out.BeginLengthPrefixed();
            var keyText = CopyString(ref reader);
            _path.PushKey(keyText);
            if (!ParseMapKey(keyText, keyField, out var key))
            {
                return false;
            }

            _out.WriteTag(keyField.Tag);
            WriteScalar(keyField, key);
            reader.Read();
            if (reader.TokenType == JsonTokenType.Null && !AcceptsNull(valueField))
            {
                return Fail("null is not allowed as a map value");
            }

            if (valueField.IsMessage)
            {
                _out.WriteTag(valueField.Tag);
                var bookmark = _out.BeginLengthPrefixed();
                if (!WriteMessageBody(ref reader, valueField.MessageType))
                {
                    return false;
                }

                _out.EndLengthPrefixed(bookmark);
            }
            else
            {
                var status = ParseScalar(ref reader, valueField, out var value);
                if (status == ScalarStatus.Error)
                {
                    return false;
                }

                if (status == ScalarStatus.Skip)
                {
                    // An unknown enum name under IgnoreUnknownFields drops the whole entry, as JsonParser does.
                    _out.Truncate(entryStart);
                    _path.Pop();
                    continue;
                }

                _out.WriteTag(valueField.Tag);
                WriteScalar(valueField, value);
            }

            _out.EndLengthPrefixed(entry);
            _path.Pop();
        }
    }

    private static bool AcceptsNull(ProtoField field) =>
        field.Type == FieldType.Message ? field.MessageType.WellKnown == WellKnownType.Value : field.EnumType is { IsNullValue: true };

    private static bool TestAndSet(Span<ulong> bits, int index)
    {
        ref var word = ref bits[index >> 6];
        var mask = 1UL << (index & 63);
        if ((word & mask) != 0)
        {
            return false;
        }

        word |= mask;
        return true;
    }

    private ReadOnlySpan<char> CopyName(ref Utf8JsonReader reader)
    {
        var length = reader.HasValueSequence ? (int)reader.ValueSequence.Length : reader.ValueSpan.Length;
        if (_chars.Length < length)
        {
            _chars = new char[Math.Max(length, _chars.Length * 2)];
        }

        var written = reader.CopyString(_chars);
        return _chars.AsSpan(0, written);
    }

    /// <summary>The unescaped UTF-8 of the current string or property name, in a scratch buffer valid until the next call.</summary>
    private ReadOnlySpan<byte> CopyString(ref Utf8JsonReader reader)
    {
        if (!reader.HasValueSequence && !reader.ValueIsEscaped)
        {
            return reader.ValueSpan;
        }

        var length = reader.HasValueSequence ? (int)reader.ValueSequence.Length : reader.ValueSpan.Length;
        if (_bytes.Length < length)
        {
            _bytes = new byte[Math.Max(length, _bytes.Length * 2)];
        }

        var written = reader.CopyString(_bytes);
        return _bytes.AsSpan(0, written);
    }

    private bool Fail(string message)
    {
        _error ??= new CodecError(_path.ToString(), message);
        return false;
    }

    private static string Describe(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                return "an object";
            case JsonTokenType.StartArray:
                return "an array";
            case JsonTokenType.Null:
                return "null";
            case JsonTokenType.True:
                return "true";
            case JsonTokenType.False:
                return "false";
            case JsonTokenType.String:
                var text = reader.GetString() ?? string.Empty;
                return $"\"{(text.Length > 64 ? text[..64] + "..." : text)}\"";
            case JsonTokenType.Number:
                var raw = reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan.ToArray();
                return System.Text.Encoding.UTF8.GetString(raw.AsSpan(0, Math.Min(raw.Length, 64)));
            default:
                return reader.TokenType.ToString();
        }
    }
}
