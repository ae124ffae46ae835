using System.Buffers.Binary;
using MeshProxy.Observability;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.Tests.Observability;

public sealed class RequestIdTests
{
    [Fact]
    public void Format_RandomPrefixesAndCounts_IsTheGuidOfTheirBytesWithVersionAndVariantSet()
    {
        var random = new Random(4122);
        Span<byte> bytes = stackalloc byte[16];
        foreach (var (prefix, count) in new[] { (0UL, 0UL), (ulong.MaxValue, ulong.MaxValue), (0UL, 1UL) }
                     .Concat(Enumerable.Range(0, 5000).Select(_ => ((ulong)random.NextInt64() ^ ((ulong)random.Next() << 63), (ulong)random.NextInt64()))))
        {
            BinaryPrimitives.WriteUInt64BigEndian(bytes, prefix);
            BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], count);
            bytes[6] = (byte)((bytes[6] & 0x0F) | 0x40);
            bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);

            var id = RequestId.Format(prefix, count);

            Assert.Equal(new Guid(bytes, bigEndian: true).ToString(), id);
            Assert.Equal(4, Guid.Parse(id).Version);
        }
    }

    [Fact]
    public void Ensure_WithoutAnId_WritesAFreshOneEachCall_WithOne_KeepsIt()
    {
        var first = new DefaultHttpContext().Request;
        var second = new DefaultHttpContext().Request;
        var kept = new DefaultHttpContext().Request;
        kept.Headers[RequestId.Header] = "caller-id-7";

        var a = RequestId.Ensure(first);
        var b = RequestId.Ensure(second);

        Assert.NotEqual(a, b);
        Assert.Equal(a, first.Headers[RequestId.Header].ToString());
        Assert.Equal(a[..19], b[..19]);
        Assert.Equal("caller-id-7", RequestId.Ensure(kept));
    }

    [Fact]
    public void LowerHex_RandomBytesAndValues_AsTheRuntimeWritesThem()
    {
        var random = new Random(16);
        for (var i = 0; i < 2000; i++)
        {
            var bytes = new byte[random.Next(0, 33)];
            random.NextBytes(bytes);
            var chars = new char[bytes.Length * 2 + 3];
            Array.Fill(chars, '*');

            LowerHex.Write(chars, bytes);

            Assert.Equal(Convert.ToHexStringLower(bytes) + "***", new string(chars));

            var value = (ulong)random.NextInt64() ^ ((ulong)random.Next() << 63);
            var digits = random.Next(0, 17);
            var written = new char[digits];
            LowerHex.Write(written, value);
            Assert.Equal(value.ToString("x16")[(16 - digits)..], new string(written));
        }
    }
}
