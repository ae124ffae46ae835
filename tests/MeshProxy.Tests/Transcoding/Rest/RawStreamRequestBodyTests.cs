using System.Buffers.Binary;
using System.IO.Pipelines;
using Google.Api;
using MeshProxy.Tests.Transcoding.Rules;
using MeshProxy.TestSupport;
using MeshProxy.Transcoding.Rest;
using MeshProxy.Transcoding.Rules;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.Tests.Transcoding.Rest;

public sealed class RawStreamRequestBodyTests
{
    private static readonly Lazy<HttpRuleTable> LazyTable = new(() => RuleTestData.BuildOrThrow(
        new HttpRuleOptions { Services = ["meshproxy.testing.v1.TranscodingTestService"] }));

    [Theory]
    [InlineData(200 * 1024, 4 * 1024 * 1024, 64 * 1024)]
    [InlineData(10_000, 1000, 1000)]
    [InlineData(1, 4 * 1024 * 1024, 64 * 1024)]
    public async Task Read_RawBody_IsHttpBodyFramesOfAtMostOneChunkEachWithTheContentType(int size, int maxMessageBytes, int chunk)
    {
        var data = new byte[size];
        new Random(size).NextBytes(data);

        // No writer back-pressure: the whole body is written before anything reads it.
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        await pipe.Writer.WriteAsync(data);
        await pipe.Writer.CompleteAsync();

        var messages = await ReadAllAsync(pipe.Reader, "application/octet-stream", maxMessageBytes);

        Assert.Equal((size + chunk - 1) / chunk, messages.Count);
        Assert.All(messages, m => Assert.Equal("application/octet-stream", m.ContentType));
        Assert.All(messages, m => Assert.InRange(m.Data.Length, 1, chunk));
        Assert.Equal(data, messages.SelectMany(m => m.Data.ToByteArray()).ToArray());
    }

    [Fact]
    public async Task Read_BodyArrivingInPieces_OneMessagePerPieceWithoutWaitingForTheRest()
    {
        var pipe = new Pipe();
        var body = CreateBody(pipe.Reader, "text/plain", 4 * 1024 * 1024);
        var frame = new byte[1024];

        await pipe.Writer.WriteAsync("first"u8.ToArray());
        var read = await body.ReadAsync(frame).AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        // The first piece is a whole message while the rest of the body has not been sent.
        Assert.Equal(5 + BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(1)), (uint)read);
        Assert.Equal("first", HttpBody.Parser.ParseFrom(frame.AsSpan(5, read - 5).ToArray()).Data.ToStringUtf8());

        await pipe.Writer.WriteAsync("second"u8.ToArray());
        await pipe.Writer.CompleteAsync();
        read = await body.ReadAsync(frame).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("second", HttpBody.Parser.ParseFrom(frame.AsSpan(5, read - 5).ToArray()).Data.ToStringUtf8());
        Assert.Equal(0, await body.ReadAsync(frame).AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(2, body.Messages);
    }

    [Fact]
    public async Task Read_EmptyBody_IsOneEmptyMessageWithTheContentType()
    {
        var pipe = new Pipe();
        await pipe.Writer.CompleteAsync();

        var message = Assert.Single(await ReadAllAsync(pipe.Reader, "image/png", 1024));

        Assert.Equal("image/png", message.ContentType);
        Assert.True(message.Data.IsEmpty);
    }

    private static RawStreamRequestBody CreateBody(PipeReader reader, string contentType, int maxMessageBytes)
    {
        var match = LazyTable.Value.Match("POST", "/v1/test/upload-stream");
        Assert.Equal(RuleMatchKind.Matched, match.Kind);
        Assert.True(match.Binding!.ClientStreaming);
        return new RawStreamRequestBody(reader, match.Binding, match.Variables, QueryString.Empty, contentType, RequestBuildOptions.Default, maxMessageBytes);
    }

    private static async Task<List<HttpBody>> ReadAllAsync(PipeReader reader, string contentType, int maxMessageBytes)
    {
        await using var body = CreateBody(reader, contentType, maxMessageBytes);
        using var all = new MemoryStream();
        await body.CopyToAsync(all).WaitAsync(TimeSpan.FromSeconds(30));
        var bytes = all.ToArray();
        var messages = GrpcFrames.Payloads(bytes).Select(HttpBody.Parser.ParseFrom).ToList();

        Assert.Equal(messages.Count, body.Messages);
        return messages;
    }
}
