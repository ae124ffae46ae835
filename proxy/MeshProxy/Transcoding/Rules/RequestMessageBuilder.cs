using System.Buffers;
using System.Text;
using Google.Protobuf.Reflection;
using MeshProxy.Transcoding.Descriptors;
using MeshProxy.Transcoding.Json;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.Transcoding.Rules;

/// <summary>
/// Turns a matched REST request into one request message (protobuf binary), per google/api/http.proto.
/// <para>
/// Merge order: protobuf defines concatenated encodings as their merge, last singular value winning (protobuf.dev,
/// "Encoding", last one wins). We write the body first, then query parameters, then path variables, then a filled PATCH
/// field mask, so "the path wins" over the body and the query without comparing values. Query parameters only fill
/// fields the path and body do not bind, so a repeated field is never filled twice.
/// </para>
/// </summary>
internal static partial class RequestMessageBuilder
{
    private const string HttpBodyTypeName = "google.api.HttpBody";

    // google/api/httpbody.proto: string content_type = 1; bytes data = 2.
    private const uint HttpBodyContentTypeTag = (1 << 3) | 2;
    private const uint HttpBodyDataTag = (2 << 3) | 2;

    // Query and path bytes, written before the body but sent after it. Build is not re-entrant, so one per thread will do.
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_tail;

    /// <summary>
    /// Builds the request message into <paramref name="output"/>; returns null on success. On failure nothing is
    /// written. The body size limit (413) is the caller's.
    /// </summary>
    public static RequestBuildError? Build(HttpBinding binding, IReadOnlyList<PathVariable> variables, QueryString query,
        ReadOnlySequence<byte> body, string? contentType, RequestBuildOptions options, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(binding);
        ArgumentNullException.ThrowIfNull(variables);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);

        // 1. Path variables that did not decode.
        foreach (var variable in variables)
        {
            if (variable.DecodeError is not null)
            {
                return RequestBuildError.BadRequest(variable.DecodeError);
            }
        }

        // 2. Which body, if any, and of which kind.
        if (!binding.HasBody && !body.IsEmpty)
        {
            return RequestBuildError.BadRequest($"{binding.HttpMethod} {binding.Template} takes no request body");
        }

        var isHttpBody = IsHttpBodyBinding(binding);
        if (binding.HasBody && !isHttpBody && !body.IsEmpty && !IsJsonContentType(contentType))
        {
            return new RequestBuildError(415, $"the request body must be JSON (application/json), not \"{contentType}\"");
        }

        // A JSON body in another charset than UTF-8 is converted, or refused when we cannot decode it; never read as UTF-8.
        if (binding.HasBody && !isHttpBody && !body.IsEmpty)
        {
            var charset = JsonBodyCharset.Find(contentType, out var unsupported);
            if (unsupported is not null)
            {
                return new RequestBuildError(415, $"the request body's charset \"{unsupported}\" is not supported; send UTF-8 JSON");
            }

            if (charset is not null && !JsonBodyCharset.TryConvert(body, charset, out body))
            {
                return RequestBuildError.BadRequest($"the request body is not valid {charset.WebName} text");
            }
        }

        // 3. Query parameters and path variables go to a small side buffer first, so that a bad one leaves the output
        //    untouched; they follow the body on the wire.
        var textOptions = options.TextJson;
        var tail = t_tail ??= new ArrayBufferWriter<byte>(256);
        tail.ResetWrittenCount();
        var queryState = new QueryState();
        if (query.HasValue && WriteQuery(binding, variables, query.Value!, options, textOptions, tail, ref queryState) is { } queryError)
        {
            return queryError;
        }

        foreach (var variable in variables)
        {
            if (!TryWriteFieldText(variable.FieldPath, variable.Value, textOptions, tail, out var error))
            {
                return RequestBuildError.BadRequest($"path variable '{variable.FieldPathText}': {error}");
            }
        }

        // 4. PATCH: fill an unset FieldMask from the body's keys (grpc-gateway's behaviour).
        if (!isHttpBody && !body.IsEmpty)
        {
            WritePatchFieldMask(binding, body, queryState, tail);
        }

        // 5. The body, straight into the output (the codec writes nothing when it fails), then the tail.
        if (binding.HasBody)
        {
            if (isHttpBody)
            {
                WriteHttpBody(binding.BodyField, body, contentType, output);
            }
            else if (!body.IsEmpty && WriteJsonBody(binding, body, options.Json, output) is { } bodyError)
            {
                return bodyError;
            }
        }

        output.Write(tail.WrittenSpan);
        if (tail.Capacity > 64 * 1024)
        {
            // One request with a huge query should not pin its buffer to the thread.
            t_tail = null;
        }

        return null;
    }

    /// <summary>Whether the rule's body is a <c>google.api.HttpBody</c> (the whole request, or the <c>body</c> field): raw bytes, any content type.</summary>
    internal static bool IsHttpBodyBinding(HttpBinding binding)
    {
        var bodyTarget = binding.BodyField is { } bodyField ? bodyField[^1] : null;
        return binding.HasBody && (bodyTarget is null
            ? binding.Input.FullName == HttpBodyTypeName
            : bodyTarget.IsMessage && !bodyTarget.IsRepeated && bodyTarget.MessageType.FullName == HttpBodyTypeName);
    }

    /// <summary><c>application/json</c>, any <c>*/*+json</c>, or no content type at all (parameters such as charset ignored).</summary>
    internal static bool IsJsonContentType(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType))
        {
            return true;
        }

        var mediaType = contentType.AsSpan();
        var semicolon = mediaType.IndexOf(';');
        if (semicolon >= 0)
        {
            mediaType = mediaType[..semicolon];
        }

        mediaType = mediaType.Trim();
        var slash = mediaType.IndexOf('/');
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (slash > 0 && mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase) && mediaType[(slash + 1)..].Length > "+json".Length);
    }

    private static RequestBuildError? WriteJsonBody(HttpBinding binding, ReadOnlySequence<byte> body, JsonParseOptions json, IBufferWriter<byte> output)
    {
        CodecResult result;
        if (binding.BodyField is not { } bodyField)
        {
            result = ProtoJsonCodec.JsonToBinary(body, binding.Input, output, json);
        }
        else
        {
            // The body is the JSON value of one field: read {"field": BODY} as the field's parent message.
            var leaf = bodyField[^1];
            var wrapped = JsonBodySequence.Wrap(Encoding.UTF8.GetBytes($"{{\"{leaf.JsonName}\":"), body, "}"u8.ToArray());
            if (bodyField.Count == 1)
            {
                result = ProtoJsonCodec.JsonToBinary(wrapped, leaf.ContainingType, output, json);
            }
            else
            {
                var inner = new ArrayBufferWriter<byte>();
                result = ProtoJsonCodec.JsonToBinary(wrapped, leaf.ContainingType, inner, json);
                if (result.IsSuccess)
                {
                    ProtoEnvelope.WriteWrapped(output, bodyField, bodyField.Count - 1, inner.WrittenSpan);
                }
            }
        }

        return result.IsSuccess ? null : RequestBuildError.BadRequest($"invalid JSON body: {result.Error}");
    }

    /// <summary>google.api.HttpBody: the raw bytes into <c>data</c>, the request content type into <c>content_type</c>.</summary>
    private static void WriteHttpBody(IReadOnlyList<ProtoField>? bodyField, ReadOnlySequence<byte> body, string? contentType, IBufferWriter<byte> output)
    {
        var contentTypeBytes = string.IsNullOrEmpty(contentType) ? [] : Encoding.UTF8.GetBytes(contentType);
        long payload = 0;
        if (contentTypeBytes.Length > 0)
        {
            payload += 1 + ProtoEnvelope.VarintSize((ulong)contentTypeBytes.Length) + contentTypeBytes.Length;
        }

        if (!body.IsEmpty)
        {
            payload += 1 + ProtoEnvelope.VarintSize((ulong)body.Length) + body.Length;
        }

        if (bodyField is not null)
        {
            ProtoEnvelope.WritePrefixes(output, bodyField, bodyField.Count, payload);
        }

        if (contentTypeBytes.Length > 0)
        {
            ProtoEnvelope.WriteBytesField(output, HttpBodyContentTypeTag, contentTypeBytes);
        }

        if (!body.IsEmpty)
        {
            ProtoEnvelope.WriteVarint(output, HttpBodyDataTag);
            ProtoEnvelope.WriteVarint(output, (ulong)body.Length);
            foreach (var memory in body)
            {
                output.Write(memory.Span);
            }
        }
    }

    /// <summary>
    /// One field from URL text: the common kinds encoded directly (enums by name or number, which the codec's string form
    /// alone would not take), the rest through the codec's text conversion.
    /// </summary>
    private static bool TryWriteFieldText(IReadOnlyList<ProtoField> path, string text, JsonParseOptions options, IBufferWriter<byte> output, out string? error)
    {
        if (FieldTextEncoder.TryEncode(path, text, options.CaseInsensitiveEnums, output))
        {
            error = null;
            return true;
        }

        var result = ProtoJsonCodec.WriteFieldFromText(path, text, output, options);
        error = result.IsSuccess ? null : result.Error.Message;
        return result.IsSuccess;
    }
}
