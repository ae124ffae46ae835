using System.Buffers.Binary;
using System.Text;
using MeshProxy.FunctionalTests.Infrastructure;

namespace MeshProxy.FunctionalTests.Drain;

/// <summary>A raw server-streaming gRPC call over h2c: read messages one at a time, then the trailers.</summary>
internal sealed class GrpcStream : IDisposable
{
    private readonly HttpClient _client;
    private readonly HttpResponseMessage _response;
    private readonly Stream _body;

    private GrpcStream(HttpClient client, HttpResponseMessage response, Stream body)
    {
        _client = client;
        _response = response;
        _body = body;
    }

    public HttpResponseMessage Response => _response;

    public static async Task<GrpcStream> StartAsync(Uri proxy, string method)
    {
        var client = GrpcHttp.CreateClient();
        // One empty request message, as a server-streaming call sends.
        var request = GrpcHttp.UnaryRequest(proxy, method);
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        return new GrpcStream(client, response, await response.Content.ReadAsStreamAsync());
    }

    /// <summary>The next message as UTF-8 text, or null at the end of the stream.</summary>
    public async Task<string?> ReadAsync()
    {
        var header = new byte[5];
        var read = await _body.ReadAtLeastAsync(header, 5, throwOnEndOfStream: false);
        if (read == 0)
        {
            return null;
        }

        if (read < 5)
        {
            throw new IOException("The stream ended inside a message header.");
        }

        var payload = new byte[BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(1))];
        await _body.ReadExactlyAsync(payload);
        return Encoding.UTF8.GetString(payload);
    }

    public void Dispose()
    {
        _body.Dispose();
        _response.Dispose();
        _client.Dispose();
    }
}
