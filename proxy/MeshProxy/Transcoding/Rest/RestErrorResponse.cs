using System.Buffers;
using System.Text.Json;
using MeshProxy.Grpc;
using MeshProxy.Transcoding.Descriptors;
using MeshProxy.Transcoding.Json;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.Transcoding.Rest;

/// <summary>Writes a whole REST error response: the HTTP status and a <see cref="RestStatusBody"/> JSON body.</summary>
internal static class RestErrorResponse
{
    /// <summary>One of our own refusals (no route, bad body, ...): the code follows the HTTP status.</summary>
    public static Task WriteAsync(HttpContext context, int httpStatus, string message, string? allow = null) =>
        WriteAsync(context, httpStatus, HttpStatusMapping.ToGrpc(httpStatus), message, details: null, pool: null, allow);

    public static async Task WriteAsync(HttpContext context, int httpStatus, StatusCode code, string? message, byte[]? details, DescriptorPool? pool, string? allow = null, JsonFormatOptions? detailFormat = null)
    {
        var response = context.Response;
        response.StatusCode = httpStatus;
        response.ContentType = "application/json; charset=utf-8";
        if (allow is not null)
        {
            response.Headers.Allow = allow;
        }

        var body = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(body, RestStatusBody.WriterOptions))
        {
            RestStatusBody.Write(writer, code, message, details, pool, detailFormat);
        }

        response.ContentLength = body.WrittenCount;
        await response.Body.WriteAsync(body.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
    }
}
