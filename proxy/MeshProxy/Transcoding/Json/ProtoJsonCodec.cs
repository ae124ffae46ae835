using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using MeshProxy.Transcoding.Descriptors;
using MeshProxy.Transcoding.Wire;

namespace MeshProxy.Transcoding.Json;

/// <summary>
/// Descriptor-driven ProtoJSON: JSON to protobuf binary and back for any message of a <see cref="DescriptorPool"/>,
/// without generated types. Thread-safe; each thread reuses one converter and its scratch buffers.
/// Failures are <see cref="CodecResult"/> values with a JSON path; no input throws.
/// <para>
/// Merging: protobuf defines concatenation of two encodings as their merge (protobuf.dev, "Encoding", last one wins),
/// so a transcoder can append extra fields (path or query parameters, see <see cref="WriteFieldFromText"/>) after a
/// body converted here: singular scalars appended later override the body, repeated ones append, messages merge.
/// </para>
/// </summary>
internal static class ProtoJsonCodec
{
    // Minimal escaping: the output is an API body, not HTML, so non-ASCII stays as UTF-8 (as JsonFormatter does).
    private static readonly JsonWriterOptions CompactWriter = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };
    private static readonly JsonWriterOptions IndentedWriter = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true, Indented = true };

    [ThreadStatic]
    private static JsonToProtoConverter? t_jsonToProto;

    [ThreadStatic]
    private static ProtoToJsonConverter? t_protoToJson;

    [ThreadStatic]
    private static ProtoBufferWriter? t_scratch;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_indentedWriter;

    /// <summary>Converts ProtoJSON to the protobuf encoding of <paramref name="type"/>, appended to <paramref name="output"/>.
    /// On failure nothing is written.</summary>
    public static CodecResult JsonToBinary(ReadOnlySequence<byte> json, MessageType type, IBufferWriter<byte> output, JsonParseOptions? options = null)
    {
        var scratch = t_scratch ??= new ProtoBufferWriter();
        scratch.Reset();
        var converter = t_jsonToProto ??= new JsonToProtoConverter();
        var result = converter.Convert(json, type, scratch, options ?? JsonParseOptions.Default);
        if (result.IsSuccess)
        {
            scratch.CopyTo(output);
        }

        ReleaseIfLarge(scratch);
        return result;
    }

    public static CodecResult JsonToBinary(ReadOnlySpan<byte> json, MessageType type, IBufferWriter<byte> output, JsonParseOptions? options = null)
    {
        // A sequence over a span needs an array; copy once (callers with a PipeReader pass the sequence overload).
        var rented = ArrayPool<byte>.Shared.Rent(Math.Max(json.Length, 1));
        try
        {
            json.CopyTo(rented);
            return JsonToBinary(new ReadOnlySequence<byte>(rented, 0, json.Length), type, output, options);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Writes the protobuf encoding of <paramref name="type"/> as one JSON value to <paramref name="writer"/>.
    /// On failure the writer holds a partial value and must be discarded.</summary>
    public static CodecResult BinaryToJson(ReadOnlySpan<byte> binary, MessageType type, Utf8JsonWriter writer, JsonFormatOptions? options = null)
    {
        var converter = t_protoToJson ??= new ProtoToJsonConverter();
        return converter.Convert(binary, type, writer, options ?? JsonFormatOptions.Default);
    }

    /// <summary>Writes JSON UTF-8 to <paramref name="output"/>. On failure, discard what was written.</summary>
    public static CodecResult BinaryToJson(ReadOnlySpan<byte> binary, MessageType type, IBufferWriter<byte> output, JsonFormatOptions? options = null)
    {
        options ??= JsonFormatOptions.Default;
        Utf8JsonWriter writer;
        if (options.Indented)
        {
            writer = t_indentedWriter ??= new Utf8JsonWriter(output, IndentedWriter);
        }
        else
        {
            writer = t_writer ??= new Utf8JsonWriter(output, CompactWriter);
        }

        writer.Reset(output);
        try
        {
            var result = BinaryToJson(binary, type, writer, options);
            writer.Flush();
            return result;
        }
        finally
        {
            writer.Reset(NullBufferWriter.Instance);
        }
    }

    public static CodecResult BinaryToJson(ReadOnlySequence<byte> binary, MessageType type, IBufferWriter<byte> output, JsonFormatOptions? options = null)
    {
        if (binary.IsSingleSegment)
        {
            return BinaryToJson(binary.FirstSpan, type, output, options);
        }

        var length = checked((int)binary.Length);
        var rented = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        try
        {
            binary.CopyTo(rented);
            return BinaryToJson(rented.AsSpan(0, length), type, output, options);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Checks that <paramref name="binary"/> is a well-formed encoding of <paramref name="type"/>
    /// (binary to binary conversion keeps the bytes, unknown fields included, after this check).</summary>
    public static CodecResult ValidateBinary(ReadOnlySpan<byte> binary, MessageType type, JsonFormatOptions? options = null)
    {
        var converter = t_protoToJson ??= new ProtoToJsonConverter();
        return converter.Validate(binary, type, options ?? JsonFormatOptions.Default);
    }

    /// <summary>
    /// Encodes one field given as text (an HttpRule path or query parameter) as protobuf bytes to append after a body.
    /// <paramref name="fieldPath"/> walks nested messages (<c>a.b.c</c>); the text is read as that field's JSON value
    /// in string form, so numbers, enum names, booleans ("true"), base64 and well-known types (timestamps, durations,
    /// wrappers) all work. Repeated fields get one element.
    /// </summary>
    public static CodecResult WriteFieldFromText(IReadOnlyList<ProtoField> fieldPath, string text, IBufferWriter<byte> output, JsonParseOptions? options = null)
    {
        if (fieldPath.Count == 0)
        {
            return CodecResult.Fail(new CodecError("$", "empty field path"));
        }

        var leaf = fieldPath[^1];
        var buffer = new ArrayBufferWriter<byte>(text.Length + 16);
        using (var jsonWriter = new Utf8JsonWriter(buffer, CompactWriter))
        {
            var scalarNeedsRaw = leaf.Type == Google.Protobuf.Reflection.FieldType.Bool
                || (leaf.IsMessage && leaf.MessageType.WellKnown == WellKnownType.BoolValue);
            if (scalarNeedsRaw && text is "true" or "false")
            {
                jsonWriter.WriteBooleanValue(text == "true");
            }
            else
            {
                jsonWriter.WriteStringValue(text);
            }
        }

        // Wrap the value as {"leaf": value} or {"leaf": [value]} and convert it as the leaf's parent message.
        var parent = fieldPath.Count == 1 ? null : fieldPath[^2].MessageType;
        var wrapped = new ArrayBufferWriter<byte>(buffer.WrittenCount + leaf.JsonName.Length + 8);
        using (var jsonWriter = new Utf8JsonWriter(wrapped, CompactWriter))
        {
            jsonWriter.WriteStartObject();
            jsonWriter.WritePropertyName(leaf.JsonNameText);
            if (leaf.IsRepeated)
            {
                jsonWriter.WriteStartArray();
            }

            jsonWriter.WriteRawValue(buffer.WrittenSpan, skipInputValidation: true);
            if (leaf.IsRepeated)
            {
                jsonWriter.WriteEndArray();
            }

            jsonWriter.WriteEndObject();
        }

        return ConvertWrapped(fieldPath, parent, wrapped.WrittenSpan, output, options);
    }

    /// <summary>
    /// Encodes one map entry given as text (grpc-gateway's <c>map_field[key]=value</c> query syntax): the key and the value
    /// are read as the map's key and value JSON (so an int32 key must be an integer), the entry is appended as the last
    /// field of <paramref name="fieldPath"/>. A later entry with the same key wins (protobuf map merge).
    /// </summary>
    public static CodecResult WriteMapEntryFromText(IReadOnlyList<ProtoField> fieldPath, string key, string text, IBufferWriter<byte> output, JsonParseOptions? options = null)
    {
        var map = fieldPath[^1];
        if (!map.IsMap || map.MapValue is not { } valueField)
        {
            return CodecResult.Fail(new CodecError("$", $"{map.Name} is not a map field"));
        }

        var wrapped = new ArrayBufferWriter<byte>(key.Length + text.Length + map.JsonName.Length + 16);
        using (var jsonWriter = new Utf8JsonWriter(wrapped, CompactWriter))
        {
            jsonWriter.WriteStartObject();
            jsonWriter.WritePropertyName(map.JsonNameText);
            jsonWriter.WriteStartObject();
            jsonWriter.WritePropertyName(key);
            var isBool = valueField.Type == Google.Protobuf.Reflection.FieldType.Bool
                || (valueField.IsMessage && valueField.MessageType.WellKnown == WellKnownType.BoolValue);
            var isEnumNumber = valueField.Type == Google.Protobuf.Reflection.FieldType.Enum
                && int.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out _);
            if ((isBool && text is "true" or "false") || isEnumNumber)
            {
                // ProtoJSON takes booleans only as JSON literals and enum numbers only as JSON numbers.
                jsonWriter.WriteRawValue(text, skipInputValidation: true);
            }
            else
            {
                jsonWriter.WriteStringValue(text);
            }

            jsonWriter.WriteEndObject();
            jsonWriter.WriteEndObject();
        }

        var parent = fieldPath.Count == 1 ? null : fieldPath[^2].MessageType;
        return ConvertWrapped(fieldPath, parent, wrapped.WrittenSpan, output, options);
    }

    /// <summary>Converts <c>{"leaf": ...}</c> as the leaf's parent message and wraps it in the enclosing fields of the path.</summary>
    private static CodecResult ConvertWrapped(IReadOnlyList<ProtoField> fieldPath, MessageType? parent, ReadOnlySpan<byte> wrapped, IBufferWriter<byte> output, JsonParseOptions? options)
    {
        var leaf = fieldPath[^1];
        var leafType = parent ?? FindContainingType(leaf);
        if (leafType is null)
        {
            return CodecResult.Fail(new CodecError("$", $"cannot find the message that holds field {leaf.Name}"));
        }

        var body = new ArrayBufferWriter<byte>();
        var result = JsonToBinary(wrapped, leafType, body, options);
        if (!result.IsSuccess)
        {
            return result;
        }

        // Wrap in the enclosing fields, innermost first: tag, length, bytes.
        var bytes = body.WrittenSpan.ToArray();
        for (var i = fieldPath.Count - 2; i >= 0; i--)
        {
            var outer = new ProtoBufferWriter(bytes.Length + 16);
            try
            {
                outer.WriteTag(fieldPath[i].Tag);
                outer.WriteLengthPrefixed(bytes);
                bytes = outer.WrittenSpan.ToArray();
            }
            finally
            {
                outer.Dispose();
            }
        }

        output.Write(bytes);
        return CodecResult.Success;
    }

    private static MessageType? FindContainingType(ProtoField field) => field.ContainingType;

    private static void ReleaseIfLarge(ProtoBufferWriter scratch)
    {
        // Keep small scratch buffers per thread; give large ones back so one huge message does not pin memory.
        if (scratch.Length > 1024 * 1024)
        {
            scratch.Dispose();
            t_scratch = null;
        }
    }
}
