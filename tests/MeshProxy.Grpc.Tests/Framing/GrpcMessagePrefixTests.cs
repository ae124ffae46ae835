using System.Buffers;
using MeshProxy.Grpc.Framing;

namespace MeshProxy.Grpc.Tests.Framing;

public sealed class GrpcMessagePrefixTests
{
    [Theory]
    [InlineData(false, 0u)]
    [InlineData(false, 300u)]
    [InlineData(true, 0x01020304u)]
    [InlineData(false, uint.MaxValue)]
    public void Write_ThenRead_FlagAndBigEndianLength(bool compressed, uint length)
    {
        var prefix = new byte[GrpcProtocol.MessagePrefixLength];
        GrpcMessagePrefix.Write(prefix, compressed, length);

        Assert.Equal(new[] { compressed ? (byte)1 : (byte)0, (byte)(length >> 24), (byte)(length >> 16), (byte)(length >> 8), (byte)length }, prefix);
        Assert.Equal((compressed ? (byte)1 : (byte)0, length), GrpcMessagePrefix.Read(prefix));
    }

    [Fact]
    public void Read_BadFlag_ReturnedAsSentForTheCallerToJudge() =>
        Assert.Equal(((byte)7, 1u), GrpcMessagePrefix.Read([7, 0, 0, 0, 1]));

    [Fact]
    public void TryRead_PrefixSplitOverFiveSegments_Reads()
    {
        var buffer = ByteSegments.Of([0], [0], [1], [2], [3, 0xAA]);

        Assert.True(GrpcMessagePrefix.TryRead(buffer, out var flag, out var length));
        Assert.Equal(0, flag);
        Assert.Equal(0x010203u, length);
    }

    [Fact]
    public void TryRead_FourBytes_FalseUntilThePrefixIsWhole() =>
        Assert.False(GrpcMessagePrefix.TryRead(ByteSegments.Of([0, 0], [0, 9]), out _, out _));

    [Fact]
    public void ReserveThenComplete_PrefixCarriesTheLengthOfWhatFollows()
    {
        var writer = new ArrayBufferWriter<byte>();
        GrpcMessagePrefix.Reserve(writer);
        writer.Write(new byte[] { 9, 8, 7 });
        var frame = writer.WrittenSpan.ToArray();

        GrpcMessagePrefix.Complete(frame);

        Assert.Equal(new byte[] { 0, 0, 0, 0, 3, 9, 8, 7 }, frame);
    }
}
