using CsCheck;
using MeshProxy.Upstream.Hpack;

namespace MeshProxy.Tests.Upstream.Hpack;

public sealed class HpackIntegerTests
{
    [Theory]
    [InlineData(10, 5, "0a")]        // RFC 7541 C.1.1
    [InlineData(1337, 5, "1f9a0a")]  // C.1.2
    [InlineData(42, 8, "2a")]        // C.1.3
    [InlineData(31, 5, "1f00")]      // exactly 2^N-1 needs a continuation byte of 0
    [InlineData(int.MaxValue, 7, "7f80ffffff07")]
    public void EncodeDecode_RfcExamplesAndEdges_MatchTheBytes(int value, int prefixBits, string hex)
    {
        var expected = HeaderList.Hex(hex);
        var buffer = new byte[HpackInteger.MaxLength];
        Assert.Equal(expected.Length, HpackInteger.Encode(value, prefixBits, 0, buffer));
        Assert.Equal(expected, buffer[..expected.Length]);

        var position = 0;
        Assert.Equal(value, HpackInteger.Decode(expected, ref position, prefixBits));
        Assert.Equal(expected.Length, position);
    }

    [Fact]
    public void Decode_PatternBitsAbovePrefix_AreIgnored()
    {
        var position = 0;
        Assert.Equal(10, HpackInteger.Decode([0xEA], ref position, 5));
    }

    [Fact]
    public void EncodeDecode_AnyValueAndPrefix_RoundTrip()
    {
        Gen.Select(Gen.Int[0, int.MaxValue], Gen.Int[1, 8]).Sample((value, prefixBits) =>
        {
            var buffer = new byte[HpackInteger.MaxLength];
            var written = HpackInteger.Encode(value, prefixBits, 0, buffer);
            var position = 0;
            Assert.Equal(value, HpackInteger.Decode(buffer.AsSpan(0, written), ref position, prefixBits));
            Assert.Equal(written, position);
        }, iter: 5000, threads: 1);
    }

    [Theory]
    [InlineData("1f")]           // prefix full, no continuation
    [InlineData("1f9a")]         // continuation bit set on the last byte
    [InlineData("1fff ffff")]
    public void Decode_Truncated_Throws(string hex)
    {
        var error = Assert.Throws<HpackException>(() => Decode(hex));
        Assert.Contains("ends inside an integer", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1fe1ffffff07")]     // 2^31 - 1 + 31: just over int.MaxValue
    [InlineData("1fffffffff7f")]     // far over
    [InlineData("1f80808080807f")]   // six continuation bytes
    [InlineData("1f808080808000")]   // zero-padded to six: more bytes than an int needs
    public void Decode_Overflow_Throws(string hex)
    {
        Assert.Throws<HpackException>(() => Decode(hex));
    }

    private static int Decode(string hex)
    {
        var position = 0;
        return HpackInteger.Decode(HeaderList.Hex(hex), ref position, 5);
    }
}
