using Microsoft.AspNetCore.Http;

namespace MeshProxy.Grpc;

/// <summary>
/// A Trailers-Only reply: HTTP 200, content-type application/grpc and the status in the one HEADERS frame that ends
/// the stream (PROTOCOL-HTTP2.md). Used for every failure decided before a response message was sent.
/// </summary>
public static class TrailersOnlyResponse
{
    /// <summary>Replaces whatever the response held with a Trailers-Only status; the response must not have started.</summary>
    public static void Set(HttpResponse response, StatusCode code, string? message)
    {
        if (response.HasStarted)
        {
            throw new InvalidOperationException("A Trailers-Only status needs a response that has not started.");
        }

        response.Headers.Clear();
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrpcProtocol.ContentType;
        response.Headers[GrpcProtocol.StatusHeader] = ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (!string.IsNullOrEmpty(message))
        {
            response.Headers[GrpcProtocol.MessageHeader] = GrpcMessageEncoding.Encode(message);
        }
    }

    /// <summary>Sets a Trailers-Only status and ends the response.</summary>
    public static Task WriteAsync(HttpResponse response, StatusCode code, string? message)
    {
        Set(response, code, message);
        return response.CompleteAsync();
    }
}
