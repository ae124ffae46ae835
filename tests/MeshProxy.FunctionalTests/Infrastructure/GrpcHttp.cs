using System.Net;
using System.Net.Http.Headers;

namespace MeshProxy.FunctionalTests.Infrastructure;

/// <summary>
/// Raw gRPC over HttpClient, for what grpc-js hides: exact headers, Trailers-Only shape, a grpc-timeout without a
/// client-side deadline. Requests ask for exactly HTTP/2 (h2c prior knowledge).
/// </summary>
public static class GrpcHttp
{
    public static HttpClient CreateClient() => new(new SocketsHttpHandler { UseProxy = false })
    {
        DefaultRequestVersion = HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    /// <summary>A unary call carrying one empty message (a 5-byte prefix with length 0).</summary>
    public static HttpRequestMessage UnaryRequest(Uri proxy, string method, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(proxy, method))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(new byte[5]),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }

    /// <summary>grpc-status from the trailers, or from the headers of a Trailers-Only reply.</summary>
    public static string? Status(HttpResponseMessage response) =>
        response.TrailingHeaders.TryGetValues("grpc-status", out var trailer) ? trailer.Single()
        : response.Headers.TryGetValues("grpc-status", out var header) ? header.Single()
        : null;
}
