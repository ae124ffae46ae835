using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.Transcoding;

/// <summary>
/// A raw body into a client-streaming HttpBody method: chunked HTTP/1.1 in, a stream of HttpBody messages upstream
/// (Envoy's behaviour). The fixture's per-message limit is 64 KiB, far below the upload, so only chunking lets it through.
/// </summary>
[Collection(TranscodingStackCollection.Name)]
public sealed class TranscodingStreamedUploadTests(TranscodingStackFixture stack)
{
    [Fact]
    public async Task UploadStream_ChunkedFiveMiB_ArrivesWholeAsManySmallHttpBodyMessages()
    {
        var data = new byte[5 * 1024 * 1024 + 123];
        new Random(42).NextBytes(data);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/test/upload-stream")
        {
            Content = new StreamContent(new MemoryStream(data), 16 * 1024),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/x-tar");
        request.Headers.TransferEncodingChunked = true;

        using var response = await stack.Rest.Http.SendAsync(request).DefaultTimeout();

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        using var json = JsonDocument.Parse(text);
        var summary = json.RootElement;
        Assert.Equal(data.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), summary.GetProperty("totalBytes").GetString());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(data)), summary.GetProperty("sha256").GetString());
        Assert.Equal("application/x-tar", Assert.Single(summary.GetProperty("contentTypes").EnumerateArray()).GetString());

        // At least one message per 64 KiB, none larger than a chunk plus the HttpBody envelope.
        Assert.True(summary.GetProperty("messages").GetInt32() >= data.Length / (64 * 1024), text);
        Assert.InRange(summary.GetProperty("largestMessage").GetInt32(), 1, (64 * 1024) + 64);
    }

    [Fact]
    public async Task UploadStream_EmptyBody_IsOneEmptyMessageWithTheContentType()
    {
        var content = new ByteArrayContent([]);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("text/plain");

        using var response = await stack.Rest.SendAsync(HttpMethod.Post, "/v1/test/upload-stream", content, HttpCompletionOption.ResponseContentRead).DefaultTimeout();

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        using var json = JsonDocument.Parse(text);
        Assert.Equal(1, json.RootElement.GetProperty("messages").GetInt32());
        Assert.Equal("0", json.RootElement.GetProperty("totalBytes").GetString());
        Assert.Equal("text/plain", Assert.Single(json.RootElement.GetProperty("contentTypes").EnumerateArray()).GetString());
    }
}
