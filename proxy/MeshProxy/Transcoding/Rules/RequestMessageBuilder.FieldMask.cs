using System.Buffers;
using System.Text;
using System.Text.Json;
using MeshProxy.Transcoding.Descriptors;

namespace MeshProxy.Transcoding.Rules;

/// <content>
/// PATCH field mask filling, as grpc-gateway does for partial updates: when a PATCH rule has a body and the input has a
/// top-level <c>google.protobuf.FieldMask</c> field (exactly one) the client left unset (in body and query), the mask lists the keys
/// the JSON body object sets, as proto field names, relative to the body's message. Nested objects of plain message
/// fields expand to dotted paths (<c>address.city</c>); maps, Struct and other well-known types keep the top key,
/// because their inner keys are data, not fields.
/// </content>
internal static partial class RequestMessageBuilder
{
    // google/protobuf/field_mask.proto: repeated string paths = 1.
    private const uint FieldMaskPathsTag = (1 << 3) | 2;

    private const int MaxMaskDepth = 32;

    private static void WritePatchFieldMask(HttpBinding binding, ReadOnlySequence<byte> body, QueryState query, IBufferWriter<byte> output)
    {
        if (binding.HttpMethod != "PATCH" || !binding.HasBody)
        {
            return;
        }

        // Exactly one top-level FieldMask, as grpc-gateway requires: with two, which one the body describes is a guess.
        ProtoField? mask = null;
        foreach (var field in binding.Input.Fields)
        {
            if (field.IsMessage && !field.IsRepeated && field.MessageType.WellKnown == WellKnownType.FieldMask)
            {
                if (mask is not null)
                {
                    return;
                }

                mask = field;
            }
        }

        if (mask is null || query.HasSet(mask))
        {
            return;
        }

        MessageType target;
        if (binding.BodyField is { } bodyField)
        {
            var leaf = bodyField[^1];
            if (bodyField.Count != 1 || ReferenceEquals(leaf, mask) || !leaf.IsMessage || leaf.IsRepeated || leaf.IsMap
                || leaf.MessageType.WellKnown != WellKnownType.None)
            {
                return;
            }

            target = leaf.MessageType;
        }
        else
        {
            target = binding.Input;
        }

        var paths = new List<string>();
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = 256 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return;
            }

            if (!CollectMaskPaths(ref reader, target, prefix: null, binding.BodyField is null ? mask : null, paths, depth: 0))
            {
                // The body "*" sets the mask itself.
                return;
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // This runs before the body is converted: malformed JSON, or a key that is not UTF-8 (GetString throws
            // InvalidOperationException; found by fuzz/run.sh rest), fills nothing, and the conversion then answers 400.
            return;
        }

        if (paths.Count == 0)
        {
            return;
        }

        var inner = new ArrayBufferWriter<byte>();
        foreach (var path in paths)
        {
            ProtoEnvelope.WriteBytesField(inner, FieldMaskPathsTag, Encoding.UTF8.GetBytes(path));
        }

        ProtoEnvelope.WriteBytesField(output, mask.Tag, inner.WrittenSpan);
    }

    /// <summary>Reads one object (the reader is on its StartObject) into paths; false when it sets <paramref name="mask"/>.</summary>
    private static bool CollectMaskPaths(ref Utf8JsonReader reader, MessageType type, string? prefix, ProtoField? mask, List<string> paths, int depth)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var field = type.FindField(reader.GetString().AsSpan());
            reader.Read();
            if (field is null)
            {
                reader.Skip();
                continue;
            }

            if (ReferenceEquals(field, mask))
            {
                return false;
            }

            var path = prefix is null ? field.Name : $"{prefix}.{field.Name}";
            if (reader.TokenType == JsonTokenType.StartObject && field.IsMessage && !field.IsMap && !field.IsRepeated
                && field.MessageType.WellKnown == WellKnownType.None && depth < MaxMaskDepth)
            {
                var before = paths.Count;
                CollectMaskPaths(ref reader, field.MessageType, path, mask: null, paths, depth + 1);
                if (paths.Count == before)
                {
                    // {} (or only unknown keys): the client sets the message itself.
                    paths.Add(path);
                }
            }
            else
            {
                reader.Skip();
                paths.Add(path);
            }

        }

        return true;
    }
}
