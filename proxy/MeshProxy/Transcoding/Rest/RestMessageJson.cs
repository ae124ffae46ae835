using System.Buffers;
using System.Text.Json;
using MeshProxy.Transcoding.Json;
using MeshProxy.Transcoding.Rules;

namespace MeshProxy.Transcoding.Rest;

/// <summary>One response message as the REST body: the whole message, or only its <c>response_body</c> field.</summary>
internal static class RestMessageJson
{
    public const string HttpBodyType = "google.api.HttpBody";

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 128 };

    /// <summary>True when the response is raw bytes: the output is google.api.HttpBody and no response_body is set.</summary>
    public static bool IsHttpBody(HttpBinding binding) =>
        binding.ResponseBodyField is not { Count: > 0 } && binding.Output.FullName == HttpBodyType;

    public static CodecResult Write(ReadOnlySpan<byte> message, HttpBinding binding, JsonFormatOptions options, IBufferWriter<byte> output)
    {
        if (binding.ResponseBodyField is not { Count: > 0 } path)
        {
            return ProtoJsonCodec.BinaryToJson(message, binding.Output, output, options);
        }

        // response_body (google/api/http.proto): print the message, then keep only the named field's value. A
        // repeated field prints as an array, a scalar as itself; an unset field is its JSON default.
        var whole = new ArrayBufferWriter<byte>(message.Length * 2 + 16);
        var result = ProtoJsonCodec.BinaryToJson(message, binding.Output, whole, options);
        if (!result.IsSuccess)
        {
            return result;
        }

        using var document = JsonDocument.Parse(whole.WrittenMemory, DocumentOptions);
        var element = document.RootElement;
        using var writer = new Utf8JsonWriter(output);
        foreach (var field in path)
        {
            var name = options.PreserveProtoFieldNames ? field.Name : field.JsonName;
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element))
            {
                if (field.IsMap)
                {
                    writer.WriteStartObject();
                    writer.WriteEndObject();
                }
                else if (field.IsRepeated)
                {
                    writer.WriteStartArray();
                    writer.WriteEndArray();
                }
                else
                {
                    writer.WriteNullValue();
                }

                return CodecResult.Success;
            }
        }

        element.WriteTo(writer);
        return CodecResult.Success;
    }
}
