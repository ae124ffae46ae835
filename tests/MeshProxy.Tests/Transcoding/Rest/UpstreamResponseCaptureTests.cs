using System.Buffers.Binary;
using MeshProxy.TestSupport;
using MeshProxy.Transcoding.Rest;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace MeshProxy.Tests.Transcoding.Rest;

public sealed class UpstreamResponseCaptureTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(1000)]
    public async Task Writes_FramesSplitAnywhere_DeliverEachMessageWhole(int chunk)
    {
        byte[][] messages = [[1, 2, 3], [], [.. Enumerable.Range(0, 300).Select(i => (byte)i)], [42]];
        var body = messages.SelectMany(Frame).ToArray();
        var seen = new List<byte[]>();
        var capture = new UpstreamResponseCapture(new DefaultHttpContext().Response, 1024, (m, _) =>
        {
            seen.Add(m.ToArray());
            return ValueTask.CompletedTask;
        });

        for (var i = 0; i < body.Length; i += chunk)
        {
            await ((IHttpResponseBodyFeature)capture).Stream.WriteAsync(body.AsMemory(i, Math.Min(chunk, body.Length - i)));
        }

        await capture.CompleteAsync();
        Assert.Equal(messages, seen);
        Assert.Equal(messages.Length, capture.MessageCount);
        Assert.Null(capture.FramingError);
        Assert.True(capture.HasStarted);
        capture.Release();
    }

    [Fact]
    public async Task Complete_InsideAMessage_IsAFramingError()
    {
        var capture = new UpstreamResponseCapture(new DefaultHttpContext().Response, 1024, (_, _) => ValueTask.CompletedTask);

        await capture.Stream.WriteAsync(Frame([1, 2, 3, 4]).AsMemory(0, 7));
        await capture.CompleteAsync();

        Assert.Contains("inside a length-prefixed message", capture.FramingError, StringComparison.Ordinal);
        capture.Release();
    }

    [Theory]
    [InlineData(1, 4, "compressed")]
    [InlineData(0, 5000, "larger than the limit")]
    [InlineData(7, 1, "invalid compressed flag")]
    public async Task Prefix_Refused_IsAFramingErrorAndNoMessage(byte flag, int length, string error)
    {
        var delivered = 0;
        var capture = new UpstreamResponseCapture(new DefaultHttpContext().Response, 1024, (_, _) =>
        {
            delivered++;
            return ValueTask.CompletedTask;
        });
        var prefix = new byte[5];
        prefix[0] = flag;
        BinaryPrimitives.WriteUInt32BigEndian(prefix.AsSpan(1), (uint)length);

        await capture.Stream.WriteAsync(prefix);

        Assert.Contains(error, capture.FramingError, StringComparison.Ordinal);
        Assert.Equal(0, delivered);
        capture.Release();
    }

    [Fact]
    public void Trailers_AreWritableSoYarpCopiesThem()
    {
        var capture = new UpstreamResponseCapture(new DefaultHttpContext().Response, 1024, (_, _) => ValueTask.CompletedTask);

        Assert.False(((IHttpResponseTrailersFeature)capture).Trailers.IsReadOnly);
    }

    private static byte[] Frame(byte[] message) => GrpcFrames.Frame(message);
}
