using System.Text.Json;
using MeshProxy.Grpc;
using MeshProxy.Transcoding.Rest;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.Browser;

/// <summary>
/// Connect's error model (connectrpc.com/docs/protocol, "Error Codes" and "HTTP to Error Code"): the code names, the
/// HTTP status a unary error is sent with, and the JSON error object <c>{"code","message","details":[{"type","value"}]}</c>
/// whose details come from the upstream's <c>grpc-status-details-bin</c> (a google.rpc.Status).
/// </summary>
internal static class ConnectError
{
    public const string JsonContentType = "application/json";

    /// <summary>The Connect code name of a gRPC code (the same numbering); codes beyond 16 are "unknown".</summary>
    public static string Name(StatusCode code) => code switch
    {
        StatusCode.Cancelled => "canceled",
        StatusCode.InvalidArgument => "invalid_argument",
        StatusCode.DeadlineExceeded => "deadline_exceeded",
        StatusCode.NotFound => "not_found",
        StatusCode.AlreadyExists => "already_exists",
        StatusCode.PermissionDenied => "permission_denied",
        StatusCode.ResourceExhausted => "resource_exhausted",
        StatusCode.FailedPrecondition => "failed_precondition",
        StatusCode.Aborted => "aborted",
        StatusCode.OutOfRange => "out_of_range",
        StatusCode.Unimplemented => "unimplemented",
        StatusCode.Internal => "internal",
        StatusCode.Unavailable => "unavailable",
        StatusCode.DataLoss => "data_loss",
        StatusCode.Unauthenticated => "unauthenticated",
        _ => "unknown",
    };

    /// <summary>The HTTP status of a unary error response.</summary>
    public static int HttpStatus(StatusCode code) => code switch
    {
        StatusCode.Cancelled => 499,
        StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.OutOfRange => StatusCodes.Status400BadRequest,
        StatusCode.DeadlineExceeded => StatusCodes.Status504GatewayTimeout,
        StatusCode.NotFound => StatusCodes.Status404NotFound,
        StatusCode.AlreadyExists or StatusCode.Aborted => StatusCodes.Status409Conflict,
        StatusCode.PermissionDenied => StatusCodes.Status403Forbidden,
        StatusCode.ResourceExhausted => StatusCodes.Status429TooManyRequests,
        StatusCode.Unimplemented => StatusCodes.Status501NotImplemented,
        StatusCode.Unavailable => StatusCodes.Status503ServiceUnavailable,
        StatusCode.Unauthenticated => StatusCodes.Status401Unauthorized,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>Writes the error object as the current JSON value.</summary>
    public static void Write(Utf8JsonWriter writer, StatusCode code, string? message, byte[]? details)
    {
        writer.WriteStartObject();
        writer.WriteString("code", Name(code));
        if (!string.IsNullOrEmpty(message))
        {
            writer.WriteString("message", message);
        }

        if (Details(details) is { Count: > 0 } anys)
        {
            writer.WriteStartArray("details");
            foreach (var any in anys)
            {
                writer.WriteStartObject();

                // "type" is the fully-qualified message name: the type URL without its host part.
                var slash = any.TypeUrl.LastIndexOf('/');
                writer.WriteString("type", slash < 0 ? any.TypeUrl : any.TypeUrl[(slash + 1)..]);
                writer.WriteString("value", Convert.ToBase64String(any.Value.Span).TrimEnd('='));
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    /// <summary>A whole unary error response: HTTP status by code, JSON error body.</summary>
    public static async Task WriteResponseAsync(HttpResponse response, StatusCode code, string? message, byte[]? details = null)
    {
        response.StatusCode = HttpStatus(code);
        response.ContentType = JsonContentType;
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer, RestStatusBody.WriterOptions))
        {
            Write(writer, code, message, details);
        }

        response.ContentLength = buffer.WrittenCount;
        await response.Body.WriteAsync(buffer.WrittenMemory).ConfigureAwait(false);
    }

    private static IReadOnlyList<(string TypeUrl, ReadOnlyMemory<byte> Value)>? Details(byte[]? statusDetails)
    {
        if (statusDetails is null)
        {
            return null;
        }

        try
        {
            var status = Google.Rpc.Status.Parser.ParseFrom(statusDetails);
            return [.. status.Details.Select(d => (d.TypeUrl, (ReadOnlyMemory<byte>)d.Value.Memory))];
        }
        catch (Google.Protobuf.InvalidProtocolBufferException)
        {
            // Unreadable details are dropped; the code and message still reach the caller.
            return null;
        }
    }
}
