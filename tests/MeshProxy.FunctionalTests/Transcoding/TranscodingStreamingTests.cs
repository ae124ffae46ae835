using System.Net;
using System.Text;
using System.Text.Json;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.Transcoding;

/// <summary>
/// Server streams in each format: the scripted backend sends one message and then holds the stream until the test
/// releases it, so each test proves the first message reached the REST client before the stream ended.
/// </summary>
[Collection(TranscodingStackCollection.Name)]
public sealed class TranscodingStreamingTests(TranscodingStackFixture stack)
{
    [Theory]
    [InlineData("*/*", "application/x-ndjson", "{\"result\":{\"index\":0,\"run\":\"RUN\"}}\n")]
    [InlineData("text/event-stream", "text/event-stream", "data: {\"index\":0,\"run\":\"RUN\"}\n\n")]
    [InlineData("application/json", "application/json", "[{\"index\":0,\"run\":\"RUN\"}")]
    public async Task ServerStream_FirstMessage_ArrivesBeforeTheStreamEnds(string accept, string contentType, string firstChunk)
    {
        var run = $"run-{Guid.NewGuid():N}";
        using var response = await stack.Rest.SendAsync(HttpMethod.Get, $"/v1/test/ticks/{run}?count=3", null, HttpCompletionOption.ResponseHeadersRead, ("Accept", accept)).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(contentType, response.Content.Headers.ContentType?.MediaType);
        await using var body = await response.Content.ReadAsStreamAsync().DefaultTimeout();

        var expected = firstChunk.Replace("RUN", run, StringComparison.Ordinal);
        var first = await ReadAtLeastAsync(body, Encoding.UTF8.GetByteCount(expected)).DefaultTimeout();
        Assert.Equal(expected, first);

        stack.Scripted.Release(run);
        var rest = await new StreamReader(body).ReadToEndAsync().DefaultTimeout();
        var all = first + rest;
        switch (contentType)
        {
            case "application/json":
                Assert.Equal([0, 1, 2], JsonDocument.Parse(all).RootElement.EnumerateArray().Select(e => e.GetProperty("index").GetInt32()));
                break;
            case "text/event-stream":
                Assert.Equal(3, all.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Length);
                break;
            default:
                Assert.Equal(3, all.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
                break;
        }
    }

    [Fact]
    public async Task ServerStream_FailingAfterMessages_NdJsonEndsWithErrorLine()
    {
        var run = $"fail-{Guid.NewGuid():N}";
        stack.Scripted.Release(run);

        using var response = await stack.Rest.SendAsync(HttpMethod.Get, $"/v1/test/ticks/{run}?count=2").DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        var error = JsonDocument.Parse(lines[2]).RootElement.GetProperty("error");
        Assert.Equal(5, error.GetProperty("code").GetInt32());
        Assert.Equal("the run ended badly", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task ServerStream_FailingAfterMessages_EventStreamEndsWithErrorEvent()
    {
        var run = $"fail-{Guid.NewGuid():N}";
        stack.Scripted.Release(run);

        using var response = await stack.Rest.SendAsync(HttpMethod.Get, $"/v1/test/ticks/{run}?count=1", null, ("Accept", "text/event-stream")).DefaultTimeout();

        var events = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, events.Length);
        Assert.StartsWith("event: error\ndata: ", events[1], StringComparison.Ordinal);
        Assert.Equal(5, JsonDocument.Parse(events[1]["event: error\ndata: ".Length..]).RootElement.GetProperty("code").GetInt32());
    }

    // Issue 12: the array used to be cut by a connection reset, which makes a client drop messages it has not read yet.
    [Fact]
    public async Task ServerStream_FailingAfterMessages_JsonArrayKeepsEveryMessageAndStaysUnterminated()
    {
        var run = $"fail-{Guid.NewGuid():N}";
        stack.Scripted.Release(run);

        using var response = await stack.Rest.SendAsync(HttpMethod.Get, $"/v1/test/ticks/{run}?count=2", null, ("Accept", "application/json")).DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync().DefaultTimeout();
        Assert.StartsWith("[{", body, StringComparison.Ordinal);
        Assert.False(body.EndsWith(']'), body);
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(body));
        using var whole = JsonDocument.Parse(body + "]");
        Assert.Equal([0, 1], whole.RootElement.EnumerateArray().Select(t => t.GetProperty("index").GetInt32()));
    }

    [Fact]
    public async Task HttpBodyStream_FailingAfterChunks_EndsNormallyWithEveryChunk()
    {
        var run = $"fail-dl-{Guid.NewGuid():N}";
        stack.Scripted.Release(run);

        using var response = await stack.Rest.SendAsync(HttpMethod.Get, $"/v1/test/download/{run}?count=3").DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("chunk-0\nchunk-1\nchunk-2\n", await response.Content.ReadAsStringAsync().DefaultTimeout());
    }

    [Fact]
    public async Task HttpBodyStream_RawChunks_ArriveAsTheyAreSent()
    {
        var run = $"dl-{Guid.NewGuid():N}";
        using var response = await stack.Rest.SendAsync(HttpMethod.Get, $"/v1/test/download/{run}?count=3", null, HttpCompletionOption.ResponseHeadersRead).DefaultTimeout();
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        await using var body = await response.Content.ReadAsStreamAsync().DefaultTimeout();

        Assert.Equal("chunk-0\n", await ReadAtLeastAsync(body, 8).DefaultTimeout());
        stack.Scripted.Release(run);
        Assert.Equal("chunk-1\nchunk-2\n", await new StreamReader(body).ReadToEndAsync().DefaultTimeout());
    }

    private static async Task<string> ReadAtLeastAsync(Stream stream, int count)
    {
        var buffer = new byte[count];
        await stream.ReadExactlyAsync(buffer);
        return Encoding.UTF8.GetString(buffer);
    }
}
