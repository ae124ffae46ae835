using System.Buffers;
using System.Text;
using Google.Protobuf;
using MeshProxy.Testing.V1;
using MeshProxy.Transcoding.Json;

namespace MeshProxy.Tests.Transcoding;

/// <summary>Input split across many buffer segments (strings, numbers and names cut mid-token) converts the same.</summary>
public sealed class ProtoJsonSegmentedInputTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(64)]
    public void JsonToBinary_SegmentedJson_SameAsContiguous(int segmentSize)
    {
        var random = new RandomMessages(99 + segmentSize);
        for (var i = 0; i < 150; i++)
        {
            var message = random.Next();
            var json = Encoding.UTF8.GetBytes(CodecTestData.Formatter.Format(message));
            var output = new ArrayBufferWriter<byte>();
            var result = ProtoJsonCodec.JsonToBinary(SegmentedSequence.Create(json, segmentSize), CodecTestData.Everything, output);
            Assert.True(result.IsSuccess, result.ToString());
            Assert.Equal(message, Everything.Parser.ParseFrom(output.WrittenSpan));
        }
    }

    [Fact]
    public void JsonToBinary_SegmentedEscapesAndBadValues_SameErrors()
    {
        var json = Encoding.UTF8.GetBytes("{\"fString\": \"a\\u00e9\\n\\ud834\\udd1e\", \"rNested\": [{\"a\": 12345678901}]}");
        var whole = CodecTestData.ToBinary(Encoding.UTF8.GetString(json), out _);
        var output = new ArrayBufferWriter<byte>();
        var split = ProtoJsonCodec.JsonToBinary(SegmentedSequence.Create(json, 2), CodecTestData.Everything, output);
        Assert.False(whole.IsSuccess);
        Assert.Equal(whole.Error, split.Error);
        Assert.Equal("$.rNested[0].a", split.Error!.Path);
    }

    [Fact]
    public void BinaryToJson_SegmentedBinary_SameAsContiguous()
    {
        var random = new RandomMessages(5);
        for (var i = 0; i < 100; i++)
        {
            var message = random.Next();
            var binary = message.ToByteArray();
            var output = new ArrayBufferWriter<byte>();
            var result = ProtoJsonCodec.BinaryToJson(SegmentedSequence.Create(binary, 7), CodecTestData.Everything, output);
            Assert.True(result.IsSuccess, result.ToString());
            CodecTestData.AssertJsonEquivalent(CodecTestData.Formatter.Format(message), Encoding.UTF8.GetString(output.WrittenSpan));
        }
    }
}
