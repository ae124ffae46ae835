using System.Buffers;
using System.Text.Json;
using MeshProxy.Transcoding.Descriptors;
using MeshProxy.Transcoding.Json;

namespace MeshProxy.Cli.Call;

/// <summary>
/// Turns the -d text into request messages: one JSON object for unary and server-streaming methods; for client-streaming
/// and bidi methods any number of objects, as one JSON array or as consecutive values (NDJSON). Every message is
/// converted before the call starts, so bad input never sends half a stream.
/// </summary>
internal static class RequestMessages
{
    /// <returns>The encoded messages, or null with an error naming the message and its JSON path.</returns>
    public static IReadOnlyList<byte[]>? Convert(ReadOnlyMemory<byte> json, MessageType type, bool streaming, out string? error)
    {
        error = null;
        List<ReadOnlyMemory<byte>> documents;
        try
        {
            documents = Split(json, streaming);
        }
        catch (JsonException e)
        {
            error = $"-d is not valid JSON: {e.Message}";
            return null;
        }

        if (!streaming && documents.Count != 1)
        {
            error = $"-d must hold exactly one JSON object for this method, found {documents.Count} values";
            return null;
        }

        var messages = new List<byte[]>(documents.Count);
        var output = new ArrayBufferWriter<byte>(256);
        for (var i = 0; i < documents.Count; i++)
        {
            output.Clear();
            var result = ProtoJsonCodec.JsonToBinary(documents[i].Span, type, output);
            if (!result.IsSuccess)
            {
                var which = streaming ? $"message {i + 1} of {documents.Count}, " : string.Empty;
                error = $"-d {which}{result.Error.Path}: {result.Error.Message}";
                return null;
            }

            messages.Add(output.WrittenSpan.ToArray());
        }

        return messages;
    }

    private static List<ReadOnlyMemory<byte>> Split(ReadOnlyMemory<byte> json, bool streaming)
    {
        var documents = new List<ReadOnlyMemory<byte>>();
        var reader = new Utf8JsonReader(json.Span, new JsonReaderOptions { AllowMultipleValues = true, CommentHandling = JsonCommentHandling.Skip });
        while (reader.Read())
        {
            var start = (int)reader.TokenStartIndex;
            if (streaming && reader.TokenType == JsonTokenType.StartArray && documents.Count == 0 && IsOnlyValue(json, start))
            {
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    var elementStart = (int)reader.TokenStartIndex;
                    reader.Skip();
                    documents.Add(json[elementStart..(int)reader.BytesConsumed]);
                }

                continue;
            }

            reader.Skip();
            documents.Add(json[start..(int)reader.BytesConsumed]);
        }

        return documents;
    }

    /// <summary>True when the array starting at <paramref name="start"/> is the whole input (not NDJSON arrays).</summary>
    private static bool IsOnlyValue(ReadOnlyMemory<byte> json, int start)
    {
        var reader = new Utf8JsonReader(json.Span[start..], new JsonReaderOptions { AllowMultipleValues = true, CommentHandling = JsonCommentHandling.Skip });
        reader.Read();
        reader.Skip();
        return !reader.Read();
    }
}
