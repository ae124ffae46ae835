using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.Grpc;

/// <summary>
/// How a gRPC status is written (PROTOCOL-HTTP2.md, Responses): grpc-status as a decimal, grpc-message
/// percent-encoded. A Trailers-Only reply is HTTP 200, content-type application/grpc and the status in the one HEADERS
/// frame that ends the stream, used for every failure decided before a response message was sent; later the status
/// goes in trailers. Every status the proxy writes, whichever side it is sent to, goes through here.
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
        response.Headers[GrpcProtocol.StatusHeader] = Text(code);
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

    /// <summary>
    /// A Trailers-Only reply to <paramref name="request"/> made up where an upstream response was expected (the
    /// retry loop's answer when no attempt may run): it reads to the forwarder exactly as one a server sent.
    /// </summary>
    public static HttpResponseMessage Create(HttpRequestMessage request, StatusCode code, string? message)
    {
        var response = new HttpResponseMessage(HttpStatusCode.OK)
        {
            Version = HttpVersion.Version20,
            RequestMessage = request,
            Content = new ByteArrayContent([]),
        };
        response.Content.Headers.ContentType = new MediaTypeHeaderValue(GrpcProtocol.ContentType);
        response.Headers.TryAddWithoutValidation(GrpcProtocol.StatusHeader, Text(code));
        if (!string.IsNullOrEmpty(message))
        {
            response.Headers.TryAddWithoutValidation(GrpcProtocol.MessageHeader, GrpcMessageEncoding.Encode(message));
        }

        return response;
    }

    /// <summary>Ends a response that has started with the status in trailers (the HEADERS frame after the messages).</summary>
    public static void AppendTrailers(HttpResponse response, StatusCode code, string? message)
    {
        response.AppendTrailer(GrpcProtocol.StatusHeader, Text(code));
        if (!string.IsNullOrEmpty(message))
        {
            response.AppendTrailer(GrpcProtocol.MessageHeader, GrpcMessageEncoding.Encode(message));
        }
    }

    private static string Text(StatusCode code) => ((int)code).ToString(CultureInfo.InvariantCulture);
}
