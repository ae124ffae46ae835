using System.Buffers;
using System.Text;
using CsCheck;
using MeshProxy.Upstream.Hpack;

namespace MeshProxy.Tests.Upstream.Hpack;

public sealed class HpackEncoderTests
{
    [Theory]
    [InlineData(":method", "POST", "83")]
    [InlineData(":method", "GET", "82")]
    [InlineData(":scheme", "http", "86")]
    [InlineData(":scheme", "https", "87")]
    [InlineData(":path", "/", "84")]
    [InlineData(":status", "200", "88")]
    [InlineData("accept-encoding", "gzip, deflate", "90")]
    public void EncodeHeader_NameAndValueInTheStaticTable_IsOneIndexedByte(string name, string value, string hex)
    {
        Assert.Equal(HeaderList.Hex(hex), Encode(name, value));
        Assert.Equal(HeaderList.Hex(hex), EncodeBytes(name, value));
    }

    [Fact]
    public void EncodeHeader_StaticName_IsALiteralWithoutIndexingWithTheNameIndex()
    {
        // content-type is index 31: 4-bit prefix full (0x0f), then 31 - 15 = 16.
        var bytes = Encode("content-type", "application/grpc");
        Assert.Equal([0x0F, 0x10], bytes[..2]);
        Assert.Equal([("content-type", "application/grpc")], HeaderList.Decode(new HpackDecoder(), bytes));

        // :path is index 4, in the prefix.
        bytes = Encode(":path", "/greet.Greeter/SayHello");
        Assert.Equal(0x04, bytes[0]);
        Assert.Equal(0x80, bytes[1] & 0x80); // Huffman is shorter for this path
    }

    [Fact]
    public void EncodeHeader_Te_IsNotInTheStaticTableSoANewName()
    {
        // "te" Huffman coded is 10 bits, two bytes, no shorter: sent raw. "trailers" is 43 bits, 6 bytes: coded.
        var bytes = Encode("te", "trailers");
        Assert.Equal(HeaderList.Hex("00 02 7465 86"), bytes[..5]);
        Assert.Equal(11, bytes.Length);
        Assert.Equal([("te", "trailers")], HeaderList.Decode(new HpackDecoder(), bytes));
    }

    [Theory]
    [InlineData("authorization", "1f08")]       // index 23: 0x10 | 0x0f, then 8
    [InlineData("proxy-authorization", "1f22")] // index 49: then 34
    public void EncodeHeader_Credentials_AreNeverIndexed(string name, string prefix)
    {
        var bytes = Encode(name, "Bearer abc.def");
        Assert.Equal(HeaderList.Hex(prefix), bytes[..2]);
        Assert.Equal([(name, "Bearer abc.def")], HeaderList.Decode(new HpackDecoder(), bytes));
    }

    [Fact]
    public void EncodeHeader_Latin1Value_IsSentAsOneBytePerChar()
    {
        var bytes = Encode("x-name", "caf\u00e9");
        Assert.Equal([("x-name", "caf\u00e9")], HeaderList.Decode(new HpackDecoder(), bytes));
        Assert.Equal(bytes, EncodeBytes("x-name", "caf\u00e9"));
    }

    [Fact]
    public void EncodeHeader_CharAboveLatin1_IsRefusedWithoutEchoingTheValue()
    {
        var writer = new ArrayBufferWriter<byte>();
        var error = Assert.Throws<ArgumentException>(() => HpackEncoder.EncodeHeader("x-token", "secret\u20ac", writer));
        Assert.Contains("'x-token'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, writer.WrittenCount);
    }

    [Fact]
    public void EncodeDynamicTableSizeUpdate_Zero_OpensABlockTheDecoderAccepts()
    {
        var writer = new ArrayBufferWriter<byte>();
        HpackEncoder.EncodeDynamicTableSizeUpdate(0, writer);
        HpackEncoder.EncodeHeader(":method", "POST", writer);
        Assert.Equal([0x20, 0x83], writer.WrittenSpan.ToArray());

        var decoder = new HpackDecoder();
        Assert.Equal([(":method", "POST")], HeaderList.Decode(decoder, writer.WrittenSpan.ToArray()));
        Assert.Equal(0, decoder.DynamicTableCapacity);
    }

    [Fact]
    public void EncodeHeader_AnyHeaderList_DecodesToTheSameList()
    {
        var staticNames = Enumerable.Range(1, HpackStaticTable.Count).Select(i => Encoding.ASCII.GetString(HpackStaticTable.GetName(i))).Distinct().ToArray();
        var name = Gen.OneOf(Pick(staticNames), Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789-_."], 1, 30], Gen.Const("te"));
        var value = Gen.OneOf(
            Pick("", "GET", "POST", "200", "/", "http", "trailers", "application/grpc", "gzip, deflate"),
            Gen.String[Gen.Char[(char)0, (char)255], 0, 100],
            Gen.String[Gen.Char.AlphaNumeric, 0, 300]);
        var list = Gen.Select(name, value).Array[0, 20];
        list.Sample(fields =>
        {
            var writer = new ArrayBufferWriter<byte>();
            var byteWriter = new ArrayBufferWriter<byte>();
            foreach (var (n, v) in fields)
            {
                HpackEncoder.EncodeHeader(n, v, writer);
                HpackEncoder.EncodeHeader(Encoding.Latin1.GetBytes(n), Encoding.Latin1.GetBytes(v), byteWriter);
            }

            Assert.Equal(writer.WrittenSpan.ToArray(), byteWriter.WrittenSpan.ToArray());
            var decoder = new HpackDecoder(maxHeaderListSize: int.MaxValue);
            Assert.Equal(fields, HeaderList.Decode(decoder, writer.WrittenSpan.ToArray()));
            Assert.Equal(0, decoder.DynamicTableCount);
        }, iter: 1000, threads: 1);
    }

    [Fact]
    public void EncodeHeader_GrpcRequest_AllocatesNothing()
    {
        (string Name, string Value)[] request =
        [
            (":method", "POST"), (":scheme", "http"), (":path", "/greet.Greeter/SayHello"), (":authority", "backend:5001"),
            ("content-type", "application/grpc"), ("te", "trailers"), ("grpc-timeout", "1S"), ("authorization", "Bearer abc"),
        ];
        var writer = new ArrayBufferWriter<byte>(4096);
        foreach (var (name, value) in request)
        {
            HpackEncoder.EncodeHeader(name, value, writer);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            writer.ResetWrittenCount();
            foreach (var (name, value) in request)
            {
                HpackEncoder.EncodeHeader(name, value, writer);
            }
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(request, HeaderList.Decode(new HpackDecoder(), writer.WrittenSpan.ToArray()));
    }

    private static Gen<string> Pick(params string[] choices) => Gen.Int[0, choices.Length - 1].Select(i => choices[i]);

    private static byte[] Encode(string name, string value)
    {
        var writer = new ArrayBufferWriter<byte>();
        HpackEncoder.EncodeHeader(name, value, writer);
        return writer.WrittenSpan.ToArray();
    }

    private static byte[] EncodeBytes(string name, string value)
    {
        var writer = new ArrayBufferWriter<byte>();
        HpackEncoder.EncodeHeader(Encoding.Latin1.GetBytes(name), Encoding.Latin1.GetBytes(value), writer);
        return writer.WrittenSpan.ToArray();
    }
}
