using System.Buffers.Binary;
using System.Net.Http.Headers;
using System.Text;
using Google.Protobuf;
using MeshProxy.Browser;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.Browser;

/// <summary>gRPC-Web as PROTOCOL-WEB.md writes it, built and read by hand for the wire-level tests.</summary>
internal static class GrpcWebWire
{
    public static HttpRequestMessage Request(Uri address, string method, byte[] body, string contentType, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(address, method))
        {
            Content = new ByteArrayContent(contentType.StartsWith("application/grpc-web-text", StringComparison.Ordinal) ? Encoding.ASCII.GetBytes(Convert.ToBase64String(body)) : body),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.TryAddWithoutValidation("x-grpc-web", "1");
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }

    public static HttpRequestMessage Request(Uri address, string method, IMessage message, string contentType, params (string Name, string Value)[] headers) =>
        Request(address, method, GrpcFrames.Frame(message.ToByteArray()), contentType, headers);

    /// <summary>The messages and the trailer block of a gRPC-Web response body (decoded from base64 for text).</summary>
    public static async Task<(List<byte[]> Messages, Dictionary<string, string> Trailers)> ReadAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsByteArrayAsync().DefaultTimeout();
        if (response.Content.Headers.ContentType?.MediaType == "application/grpc-web-text")
        {
            body = GrpcWebRequestBody.Decode(body) ?? throw new InvalidOperationException("the response is not base64");
        }

        var messages = new List<byte[]>();
        var trailers = new Dictionary<string, string>(StringComparer.Ordinal);
        var span = body.AsSpan();
        while (span.Length >= 5)
        {
            var flag = span[0];
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(span[1..]);
            var payload = span.Slice(5, length);
            if ((flag & 0x80) != 0)
            {
                foreach (var line in Encoding.ASCII.GetString(payload).Split("\r\n", StringSplitOptions.RemoveEmptyEntries))
                {
                    var colon = line.IndexOf(':', StringComparison.Ordinal);
                    trailers[line[..colon]] = line[(colon + 1)..].Trim();
                }
            }
            else
            {
                messages.Add(payload.ToArray());
            }

            span = span[(5 + length)..];
        }

        Assert.True(span.IsEmpty, "the body ends inside a frame");
        return (messages, trailers);
    }

    /// <summary>grpc-status from the trailer frame, else from the headers (a Trailers-Only reply).</summary>
    public static string? Status(HttpResponseMessage response, Dictionary<string, string> trailers) =>
        trailers.TryGetValue("grpc-status", out var status) ? status
        : response.Headers.TryGetValues("grpc-status", out var values) ? values.Single() : null;
}
