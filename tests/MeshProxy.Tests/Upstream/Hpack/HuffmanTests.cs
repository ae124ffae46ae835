using System.Text;
using CsCheck;
using MeshProxy.Upstream.Hpack;

namespace MeshProxy.Tests.Upstream.Hpack;

public sealed class HuffmanTests
{
    [Theory]
    [InlineData(0, 0x1ff8u, 13)]
    [InlineData(1, 0x7fffd8u, 23)]
    [InlineData(9, 0xffffeau, 24)]
    [InlineData(10, 0x3ffffffcu, 30)]
    [InlineData(' ', 0x14u, 6)]
    [InlineData('0', 0x0u, 5)]
    [InlineData('t', 0x9u, 5)]
    [InlineData('X', 0xfcu, 8)]
    [InlineData('\\', 0x7fff0u, 19)]
    [InlineData(127, 0xffffffcu, 28)]
    [InlineData(128, 0xfffe6u, 20)]
    [InlineData(195, 0x7fff1u, 19)]
    [InlineData(254, 0x7fffff0u, 27)]
    [InlineData(255, 0x3ffffeeu, 26)]
    [InlineData(256, 0x3fffffffu, 30)]
    public void GetCode_DerivedFromTheLengths_IsTheCodePrintedInRfc7541AppendixB(int symbol, uint code, int length) =>
        Assert.Equal((code, length), Huffman.GetCode(symbol));

    [Fact]
    public void GetCode_AllSymbols_FormACompletePrefixCode()
    {
        // Kraft: a complete prefix code has sum 2^-length == 1; with 30 bits at most, sum 2^(30-length) == 2^30.
        long sum = 0;
        for (var symbol = 0; symbol <= 256; symbol++)
        {
            sum += 1L << (30 - Huffman.GetCode(symbol).Length);
        }

        Assert.Equal(1L << 30, sum);
    }

    [Theory]
    [InlineData("www.example.com", "f1e3 c2e5 f23a 6ba0 ab90 f4ff")]
    [InlineData("no-cache", "a8eb 1064 9cbf")]
    [InlineData("custom-key", "25a8 49e9 5ba9 7d7f")]
    [InlineData("custom-value", "25a8 49e9 5bb8 e8b4 bf")]
    [InlineData("302", "6402")]
    [InlineData("private", "aec3 771a 4b")]
    [InlineData("Mon, 21 Oct 2013 20:13:21 GMT", "d07a be94 1054 d444 a820 0595 040b 8166 e082 a62d 1bff")]
    [InlineData("https://www.example.com", "9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3")]
    public void EncodeDecode_RfcExamples_MatchTheHexDumpsOfAppendixC(string text, string hex)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        var coded = HeaderList.Hex(hex);

        var destination = new byte[Huffman.EncodedLength(bytes)];
        Assert.Equal(coded.Length, destination.Length);
        Assert.Equal(coded.Length, Huffman.Encode(bytes, destination));
        Assert.Equal(coded, destination);
        Assert.Equal(coded.Length, Huffman.EncodedLength(text.AsSpan()));
        Assert.Equal(coded.Length, Huffman.Encode(text.AsSpan(), destination));
        Assert.Equal(coded, destination);

        var decoded = new byte[Huffman.GetMaxDecodedLength(coded.Length)];
        var written = Huffman.Decode(coded, decoded);
        Assert.Equal(text, Encoding.ASCII.GetString(decoded, 0, written));
    }

    [Fact]
    public void EncodeDecode_AnyBytes_RoundTrip()
    {
        Gen.Byte.Array[0, 300].Sample(bytes =>
        {
            var coded = new byte[Huffman.EncodedLength(bytes)];
            Assert.Equal(coded.Length, Huffman.Encode(bytes, coded));
            var decoded = new byte[Huffman.GetMaxDecodedLength(coded.Length)];
            var written = Huffman.Decode(coded, decoded);
            Assert.Equal(bytes, decoded[..written]);
        }, iter: 2000, threads: 1);
    }

    [Fact]
    public void Decode_EveryByteValue_RoundTripsThroughTheLongestCodes()
    {
        var bytes = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var coded = new byte[Huffman.EncodedLength(bytes)];
        Huffman.Encode(bytes, coded);
        var decoded = new byte[bytes.Length];

        Assert.Equal(256, Huffman.Decode(coded, decoded));
        Assert.Equal(bytes, decoded);
    }

    [Theory]
    [InlineData("f1e3 c2e5 f23a 6ba0 ab90 f4ff ff")] // "www.example.com" and then 8 more one bits: padding over 7 bits
    [InlineData("ff")]                               // 8 one bits alone
    [InlineData("00")]                               // '0' (00000), then padding 000: padding must be ones
    [InlineData("06")]                               // '0' (00000), then padding 110
    public void Decode_BadPadding_Throws(string hex)
    {
        var error = Assert.Throws<HpackException>(() => Huffman.Decode(HeaderList.Hex(hex), new byte[64]));
        Assert.Contains("padding", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("07", "0")]  // '0' (00000), then padding 111
    [InlineData("1f", "a")]  // 'a' (00011), then padding 111
    [InlineData("f1e3 c2e5 f23a 6ba0 ab90 f4ff", "www.example.com")] // 7 bits of padding
    [InlineData("", "")]
    public void Decode_OnesPaddingUpTo7Bits_IsAccepted(string hex, string text)
    {
        var decoded = new byte[32];
        var written = Huffman.Decode(HeaderList.Hex(hex), decoded);
        Assert.Equal(text, Encoding.ASCII.GetString(decoded, 0, written));
    }

    [Theory]
    [InlineData("ffff fffc")]       // EOS (30 ones), then 00
    [InlineData("07ff ffff ff")]    // '0' (00000), EOS (30 ones), padding 11111
    public void Decode_EosInTheString_Throws(string hex)
    {
        var error = Assert.Throws<HpackException>(() => Huffman.Decode(HeaderList.Hex(hex), new byte[64]));
        Assert.Contains("EOS", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_DestinationTooShort_ThrowsHpackException()
    {
        var coded = HeaderList.Hex("f1e3 c2e5 f23a 6ba0 ab90 f4ff");
        Assert.Throws<HpackException>(() => Huffman.Decode(coded, new byte[14]));
    }

    [Fact]
    public void Encode_DestinationTooShort_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => Huffman.Encode("www.example.com"u8, new byte[11]));
    }

    [Fact]
    public void Encode_RandomLatin1_MatchesABitByBitEncoderAndRoundTrips()
    {
        // Alphabets that favour the 5-8 bit codes, the 20-30 bit ones, or mix them, so that every flush and padding
        // width comes up; each string's coded form is checked in an exact buffer and refused one byte short.
        string[] alphabets = ["0123456789abcdefghijklmnopqrstuvwxyz-/:.", Latin1(128, 256), Latin1(0, 256)];
        var random = new Random(7541);
        for (var i = 0; i < 3000; i++)
        {
            var alphabet = alphabets[i % alphabets.Length];
            var text = new string([.. Enumerable.Range(0, random.Next(301)).Select(_ => alphabet[random.Next(alphabet.Length)])]);
            var expected = ReferenceEncode(text);
            var bytes = Encoding.Latin1.GetBytes(text);

            Assert.Equal(expected.Length, Huffman.EncodedLength(text.AsSpan()));
            Assert.Equal(expected.Length, Huffman.EncodedLength(bytes));
            var coded = new byte[expected.Length];
            Assert.Equal(expected.Length, Huffman.Encode(text.AsSpan(), coded));
            Assert.Equal(expected, coded);
            Array.Clear(coded);
            Assert.Equal(expected.Length, Huffman.Encode(bytes, coded));
            Assert.Equal(expected, coded);

            var decoded = new byte[Huffman.GetMaxDecodedLength(coded.Length)];
            Assert.Equal(bytes, decoded[..Huffman.Decode(coded, decoded)]);

            if (expected.Length > 0)
            {
                AssertRefusedOneByteShort(text, expected.Length);
            }
        }
    }

    [Theory]
    [InlineData("a")]                  // 5 bits: all of it in the padded last byte
    [InlineData("aaaaaa")]             // 30 bits: four bytes with 2 of padding, and no 32-bit store
    [InlineData("012345")]             // 33 bits: one store, then one bit and 7 of padding
    [InlineData(@"\\\\\\")]            // 6 x 19 bits: stores that each leave a different remainder
    [InlineData("\u00ff\u00fe\u00fd")] // 26, 27, 26 bits
    public void Encode_ExactDestination_Fits_AndOneByteShort_IsRefusedWithoutWritingPastIt(string text)
    {
        var expected = ReferenceEncode(text);
        var coded = new byte[expected.Length];
        Assert.Equal(expected.Length, Huffman.Encode(text.AsSpan(), coded));
        Assert.Equal(expected, coded);
        AssertRefusedOneByteShort(text, expected.Length);
    }

    [Theory]
    [InlineData("\u0100", 0)]
    [InlineData("abc\u0161", 3)]                        // U+0161 cut to a byte is 'a': must not be taken for it
    [InlineData("traceparent-00-0af7651916\u20ac", 25)] // after a 32-bit store
    public void EncodeChars_AboveLatin1_IsRefusedWherever(string text, int position)
    {
        Assert.True(text[position] > 0xFF);
        Assert.Equal(-1, Huffman.EncodedLength(text.AsSpan()));
        var error = Assert.Throws<ArgumentException>(() => Huffman.Encode(text.AsSpan(), new byte[4 * text.Length]));
        Assert.Equal("source", error.ParamName);
    }

    [Fact]
    public void EncodeChars_AboveLatin1_IsRefused()
    {
        Assert.Equal(-1, Huffman.EncodedLength("caf\u20ac".AsSpan()));
        Assert.Throws<ArgumentException>(() => Huffman.Encode("caf\u20ac".AsSpan(), new byte[16]));
    }

    /// <summary>The code of each character, bit by bit, then ones up to a byte boundary (RFC 7541 §5.2).</summary>
    private static byte[] ReferenceEncode(string text)
    {
        var bits = new List<bool>();
        foreach (var c in text)
        {
            var (code, length) = Huffman.GetCode(c);
            for (var bit = length - 1; bit >= 0; bit--)
            {
                bits.Add(((code >> bit) & 1) == 1);
            }
        }

        while (bits.Count % 8 != 0)
        {
            bits.Add(true);
        }

        var bytes = new byte[bits.Count / 8];
        for (var i = 0; i < bits.Count; i++)
        {
            if (bits[i])
            {
                bytes[i / 8] |= (byte)(0x80 >> (i % 8));
            }
        }

        return bytes;
    }

    /// <summary>A destination one byte short, inside a larger buffer whose bytes past it must stay as they were.</summary>
    private static void AssertRefusedOneByteShort(string text, int encodedLength)
    {
        var buffer = new byte[encodedLength + 8];
        Array.Fill(buffer, (byte)0xA5);
        var error = Assert.Throws<ArgumentException>(() => Huffman.Encode(text.AsSpan(), buffer.AsSpan(0, encodedLength - 1)));
        Assert.Equal("destination", error.ParamName);
        Assert.All(buffer[(encodedLength - 1)..], b => Assert.Equal(0xA5, b));
        Assert.Throws<ArgumentException>(() => Huffman.Encode(Encoding.Latin1.GetBytes(text), buffer.AsSpan(0, encodedLength - 1)));
        Assert.All(buffer[(encodedLength - 1)..], b => Assert.Equal(0xA5, b));
    }

    private static string Latin1(int from, int to) => new([.. Enumerable.Range(from, to - from).Select(i => (char)i)]);
}
