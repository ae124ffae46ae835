using MeshProxy.Routing;
using MeshProxy.TestSupport;

namespace MeshProxy.Tests.Routing;

public sealed class GrpcFrameBoundaryTests
{
    [Fact]
    public void Advance_NothingYet_AtBoundary() => Assert.True(new GrpcFrameBoundary().AtBoundary);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(1000)]
    public void Advance_MessagesInAnyChunking_AtBoundaryExactlyBetweenMessages(int chunk)
    {
        // Three messages back to back (300 bytes, empty, 2 bytes), fed in pieces of every size.
        byte[][] messages = [Frame(300), Frame(0), Frame(2)];
        var ends = new HashSet<int>();
        var offset = 0;
        foreach (var message in messages)
        {
            offset += message.Length;
            ends.Add(offset);
        }

        var stream = messages.SelectMany(m => m).ToArray();
        var boundary = new GrpcFrameBoundary();
        for (var i = 0; i < stream.Length; i += chunk)
        {
            var end = Math.Min(i + chunk, stream.Length);
            boundary.Advance(stream.AsSpan(i, end - i));
            Assert.Equal(ends.Contains(end), boundary.AtBoundary);
        }

        Assert.True(boundary.AtBoundary);
    }

    [Fact]
    public void Advance_PrefixOnly_NotAtBoundaryUntilThePayloadPasses()
    {
        var boundary = new GrpcFrameBoundary();
        var frame = Frame(4);

        boundary.Advance(frame.AsSpan(0, 5));
        Assert.False(boundary.AtBoundary);
        boundary.Advance(frame.AsSpan(5));
        Assert.True(boundary.AtBoundary);
    }

    private static byte[] Frame(int length) => GrpcFrames.Frame(new byte[length]);
}
