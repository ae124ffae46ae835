using System.Buffers;
using System.IO.Compression;
using System.IO.Pipelines;
using Google.Protobuf;
using MeshProxy.Grpc.Framing;
using MeshProxy.Samples.Users.V1;
using MeshProxy.TestSupport;

namespace MeshProxy.Grpc.Tests.Framing;

public class GrpcFrameReaderTests
{
    private const int Max = 4 * 1024 * 1024;

    private static byte[] Frame(IMessage message, string? encoding = null)
    {
        var buffer = new ArrayBufferWriter<byte>();
        GrpcFrameWriter.Write(buffer, message, Max, encoding, CompressionLevel.Fastest);
        return buffer.WrittenSpan.ToArray();
    }

    private static User SampleUser(int nameLength = 20) => new() { UserId = "u1", DisplayName = new string('n', nameLength), StorageBytes = 12345 };

    [Fact]
    public async Task ReadMessage_EveryByteInItsOwnWrite_ReassemblesPrefixAndBody()
    {
        var pipe = new Pipe();
        var frames = Frame(SampleUser()).Concat(Frame(new User { UserId = "u2" })).ToArray();
        var read = Task.Run(async () =>
        {
            var first = await GrpcFrameReader.ReadMessageAsync(pipe.Reader, User.Parser, Max, null, CancellationToken.None);
            var second = await GrpcFrameReader.ReadMessageAsync(pipe.Reader, User.Parser, Max, null, CancellationToken.None);
            var end = await GrpcFrameReader.ReadMessageAsync(pipe.Reader, User.Parser, Max, null, CancellationToken.None);
            return (first, second, end);
        });
        foreach (var b in frames)
        {
            await pipe.Writer.WriteAsync(new[] { b });
        }

        await pipe.Writer.CompleteAsync();
        var (first, second, end) = await read.DefaultTimeout();
        Assert.Equal(SampleUser(), first);
        Assert.Equal("u2", second!.UserId);
        Assert.Null(end);
    }

    [Fact]
    public void TryReadMessage_PrefixSplitAcrossSegments_Reads()
    {
        var frame = Frame(SampleUser());
        // Segments of 2, 2 and the rest: the 5-byte prefix spans three segments.
        var sequence = ByteSegments.Of(frame[..2], frame[2..4], frame[4..]);
        Assert.True(GrpcFrameReader.TryReadMessage(ref sequence, User.Parser, Max, null, out var user));
        Assert.Equal(SampleUser(), user);
        Assert.Equal(0, sequence.Length);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    [InlineData(5)]
    public void TryReadMessage_Incomplete_NeedsMore(int cut)
    {
        var frame = Frame(SampleUser());
        var sequence = new ReadOnlySequence<byte>(cut == 5 ? frame[..^1] : frame[..cut]);
        Assert.False(GrpcFrameReader.TryReadMessage(ref sequence, User.Parser, Max, null, out _));
    }

    [Fact]
    public void TryReadMessage_DeclaredLengthOverMax_ResourceExhaustedFromPrefixAlone()
    {
        // Only the prefix is present: the limit is enforced before any of the body is buffered.
        var sequence = new ReadOnlySequence<byte>(new byte[] { 0, 0, 0x50, 0, 1 });
        var ex = Assert.Throws<RpcException>(() => GrpcFrameReader.TryReadMessage(ref sequence, User.Parser, Max, null, out _));
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Theory]
    [InlineData(1)] // compressed, but the call negotiated no grpc-encoding
    [InlineData(2)] // only 0 and 1 are defined
    public void TryReadMessage_CompressedFlagWithoutEncodingOrInvalidFlag_Internal(byte flag)
    {
        var frame = Frame(SampleUser());
        frame[0] = flag;
        var sequence = new ReadOnlySequence<byte>(frame);
        var ex = Assert.Throws<RpcException>(() => GrpcFrameReader.TryReadMessage(ref sequence, User.Parser, Max, null, out _));
        Assert.Equal(StatusCode.Internal, ex.StatusCode);
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate")]
    public void TryReadMessage_Compressed_MatchesSystemCompression(string encoding)
    {
        var user = SampleUser(5000);
        var frame = Frame(user, encoding);
        Assert.Equal(1, frame[0]);
        Assert.True(frame.Length < user.CalculateSize());

        // The body is what System.IO.Compression's decoder of that format reads back.
        using var body = new MemoryStream(frame, 5, frame.Length - 5);
        using Stream decoder = encoding == "gzip" ? new GZipStream(body, CompressionMode.Decompress) : new ZLibStream(body, CompressionMode.Decompress);
        Assert.Equal(user, User.Parser.ParseFrom(decoder));

        var sequence = new ReadOnlySequence<byte>(frame);
        Assert.True(GrpcFrameReader.TryReadMessage(ref sequence, User.Parser, Max, encoding, out var read));
        Assert.Equal(user, read);
    }

    [Fact]
    public void TryReadMessage_DecompressedOverMax_ResourceExhausted()
    {
        // 100 KB of one letter compresses to a few hundred bytes: a small frame that inflates past a 10 KB limit.
        var frame = Frame(SampleUser(100_000), "gzip");
        var sequence = new ReadOnlySequence<byte>(frame);
        var ex = Assert.Throws<RpcException>(() => GrpcFrameReader.TryReadMessage(ref sequence, User.Parser, 10_000, "gzip", out _));
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public void TryReadMessage_CorruptGzip_Internal()
    {
        var sequence = new ReadOnlySequence<byte>(new byte[] { 1, 0, 0, 0, 4, 9, 9, 9, 9 });
        Assert.Equal(StatusCode.Internal, Assert.Throws<RpcException>(() => GrpcFrameReader.TryReadMessage(ref sequence, User.Parser, Max, "gzip", out _)).StatusCode);
    }

    [Fact]
    public void TryReadMessage_InvalidProtobuf_Internal()
    {
        var sequence = new ReadOnlySequence<byte>(new byte[] { 0, 0, 0, 0, 2, 0xFF, 0xFF });
        Assert.Equal(StatusCode.Internal, Assert.Throws<RpcException>(() => GrpcFrameReader.TryReadMessage(ref sequence, User.Parser, Max, null, out _)).StatusCode);
    }

    [Fact]
    public async Task ReadMessage_StreamEndsInsideMessage_Internal()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(Frame(SampleUser())[..7]);
        await pipe.Writer.CompleteAsync();
        var ex = await Assert.ThrowsAsync<RpcException>(() => GrpcFrameReader.ReadMessageAsync(pipe.Reader, User.Parser, Max, null, CancellationToken.None).AsTask()).DefaultTimeout();
        Assert.Equal(StatusCode.Internal, ex.StatusCode);
    }

    [Fact]
    public void Write_OverMax_ResourceExhaustedAndNothingWritten()
    {
        var buffer = new ArrayBufferWriter<byte>();
        var ex = Assert.Throws<RpcException>(() => GrpcFrameWriter.Write(buffer, SampleUser(100), 50, null, CompressionLevel.Fastest));
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Equal(0, buffer.WrittenCount);
    }

    [Fact]
    public void Write_Prefix_IsFlagThenBigEndianLength()
    {
        var user = SampleUser(300);
        var frame = Frame(user);
        var size = user.CalculateSize();
        Assert.Equal(new byte[] { 0, (byte)(size >> 24), (byte)(size >> 16), (byte)(size >> 8), (byte)size }, frame[..5]);
        Assert.Equal(user.ToByteArray(), frame[5..]);
    }
}
