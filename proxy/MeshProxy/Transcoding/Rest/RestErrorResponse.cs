using System.Buffers;
using System.Text.Json;
using MeshProxy.Grpc;
using MeshProxy.Transcoding.Descriptors;
using MeshProxy.Transcoding.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace MeshProxy.Transcoding.Rest;

/// <summary>Writes a whole REST error response: the HTTP status and a <see cref="RestStatusBody"/> JSON body.</summary>
internal static class RestErrorResponse
{
    /// <summary>The challenge of a 401 whose backend sent none.</summary>
    public const string DefaultChallenge = "Bearer";

    /// <summary>
    /// Makes the backend's <c>www-authenticate</c> metadata (headers or trailers) the REST response's challenge, so a
    /// 401 names the scheme and realm the service really wants.
    /// </summary>
    public static void AddChallenge(HttpResponse response, IHeaderDictionary upstreamHeaders, IHeaderDictionary upstreamTrailers)
    {
        var challenge = StringValues.Concat(upstreamHeaders.WWWAuthenticate, upstreamTrailers.WWWAuthenticate);
        if (!StringValues.IsNullOrEmpty(challenge))
        {
            response.Headers.WWWAuthenticate = challenge;
        }
    }

    /// <summary>
    /// Makes this response the connection's last, and says so (<c>Connection: close</c>), for a refusal that leaves
    /// the rest of a request body unread: a streamed body refused part way (it has no size limit) or one over the size
    /// limit. Kestrel would otherwise drain that rest after the response (for at most 5 s and within its own size
    /// limit) and, failing, close a connection the response offered for reuse: an HTTP/1.1 client sends its next
    /// request on it and reads EOF ("The response ended prematurely").
    /// </summary>
    public static void CloseConnection(HttpResponse response) => response.Headers.Connection = "close";

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

        // RFC 9110 section 15.5.2: a 401 MUST carry WWW-Authenticate with at least one challenge. The backend's own
        // challenge is kept (AddChallenge); without one, Bearer is the scheme gRPC credentials use (authorization: Bearer).
        if (httpStatus == StatusCodes.Status401Unauthorized && StringValues.IsNullOrEmpty(response.Headers.WWWAuthenticate))
        {
            response.Headers.WWWAuthenticate = DefaultChallenge;
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
