using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;

namespace MeshProxy.Grpc.Tests.Infrastructure;

/// <summary>
/// Hand-built gRPC requests for the server-side tests that our client would never send (bad flags, unknown encodings, no
/// local deadline), and the reading of <c>grpc-status</c> from their responses.
/// </summary>
internal static class RawGrpcRequest
{
    /// <summary>An HTTP/2-only POST of <paramref name="body"/> to <paramref name="path"/> (/package.Service/Method) with the headers every gRPC request carries.</summary>
    public static HttpRequestMessage Create(Uri server, string path, byte[] body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server, path))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        return request;
    }

    /// <summary>One uncompressed length-prefixed message (gRPC over HTTP/2, "Length-Prefixed-Message").</summary>
    public static byte[] Frame(IMessage message)
    {
        var body = new byte[5 + message.CalculateSize()];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(1), (uint)(body.Length - 5));
        message.WriteTo(body.AsSpan(5));
        return body;
    }

    /// <summary>grpc-status from the trailers, or from the headers of a Trailers-Only response; call after reading the body.</summary>
    public static string StatusOf(HttpResponseMessage response) =>
        response.Headers.TryGetValues("grpc-status", out var inHeaders) ? inHeaders.Single() : response.TrailingHeaders.GetValues("grpc-status").Single();
}
