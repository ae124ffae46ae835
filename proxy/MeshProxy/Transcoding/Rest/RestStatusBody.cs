using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Google.Protobuf;
using MeshProxy.Grpc;
using MeshProxy.Transcoding.Descriptors;
using MeshProxy.Transcoding.Json;

namespace MeshProxy.Transcoding.Rest;

/// <summary>
/// The body of every REST error: a <c>google.rpc.Status</c> in ProtoJSON, <c>{"code", "message", "details"}</c>
/// (AIP-193; the shape of Envoy's and grpc-gateway's errors). When <c>grpc-status-details-bin</c> carries a
/// google.rpc.Status of the same code, its message and details make the body; <c>grpc-message</c> is the fallback. Each
/// <c>Any</c> is printed with its fields when its type is in the configured pool or among the standard error details,
/// and as <c>{"@type", "value": base64}</c> (the Any's own fields) when it is not. Details are printed with the
/// snapshot's format options, like reply messages (grpc-gateway and Microsoft's transcoder use one marshaller for both).
/// </summary>
internal static class RestStatusBody
{
    /// <summary>Without a snapshot's options (unit use, our own refusals) details are compact.</summary>
    private static readonly JsonFormatOptions DefaultDetailFormat = new() { EmitDefaultValues = false };

    /// <summary>
    /// The body is JSON for API clients, never embedded in HTML, so quotes and non-ASCII text stay readable
    /// (<c>'u-1'</c> rather than <c>\u0027u-1\u0027</c>), as the codec writes them too.
    /// </summary>
    public static JsonWriterOptions WriterOptions { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes the Status object. <paramref name="statusDetails"/> is a serialized google.rpc.Status or null.</summary>
    public static void Write(Utf8JsonWriter writer, StatusCode code, string? message, byte[]? statusDetails, DescriptorPool? pool, JsonFormatOptions? detailFormat = null)
    {
        Google.Rpc.Status? details = null;
        if (statusDetails is { Length: > 0 })
        {
            try
            {
                details = Google.Rpc.Status.Parser.ParseFrom(statusDetails);
            }
            catch (InvalidProtocolBufferException)
            {
                // A malformed details trailer must not hide the status itself.
                details = null;
            }
        }

        // The rich status is the server's own account of the error, so its message wins over grpc-message (which
        // a server may shorten, or an intermediary rewrite), as Envoy's and grpc-gateway's error bodies take it.
        // A Status whose code disagrees with grpc-status describes some other error: it is dropped, and grpc-message
        // stays (grpc-go's client refuses such a pair too).
        if (details is not null && details.Code != (int)code)
        {
            details = null;
        }

        writer.WriteStartObject();
        writer.WriteNumber("code", (int)code);
        writer.WriteString("message", details is { Message.Length: > 0 } ? details.Message : message ?? string.Empty);
        writer.WriteStartArray("details");
        if (details is not null)
        {
            foreach (var any in details.Details)
            {
                WriteAny(writer, any, pool, detailFormat ?? DefaultDetailFormat);
            }
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>The Status object as UTF-8 bytes.</summary>
    public static byte[] Create(StatusCode code, string? message, byte[]? statusDetails = null, DescriptorPool? pool = null, JsonFormatOptions? detailFormat = null)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            Write(writer, code, message, statusDetails, pool, detailFormat);
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteAny(Utf8JsonWriter writer, Google.Protobuf.WellKnownTypes.Any any, DescriptorPool? pool, JsonFormatOptions format)
    {
        var typeName = any.TypeUrl[(any.TypeUrl.LastIndexOf('/') + 1)..];
        var resolving = pool?.FindMessage(typeName) is not null ? pool : StatusDetailsPool.Pool.FindMessage(typeName) is not null ? StatusDetailsPool.Pool : null;
        if (resolving?.FindMessage("google.protobuf.Any") is { } anyType)
        {
            // The codec leaves a partial value on failure: print into a scratch buffer and copy only a whole value.
            var scratch = new ArrayBufferWriter<byte>(256);
            if (ProtoJsonCodec.BinaryToJson(any.ToByteArray(), anyType, scratch, format).IsSuccess)
            {
                writer.WriteRawValue(scratch.WrittenSpan, skipInputValidation: true);
                return;
            }
        }

        writer.WriteStartObject();
        writer.WriteString("@type", any.TypeUrl);
        writer.WriteBase64String("value", any.Value.Span);
        writer.WriteEndObject();
    }
}
