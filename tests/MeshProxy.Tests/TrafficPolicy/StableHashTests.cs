using System.Text;
using MeshProxy.TrafficPolicy;

namespace MeshProxy.Tests.TrafficPolicy;

public sealed class StableHashTests
{
    // Published FNV-1a 64 test vectors (draft-eastlake-fnv, section 8 / the FNV reference test suite).
    [Theory]
    [InlineData("", 0xcbf29ce484222325)]
    [InlineData("a", 0xaf63dc4c8601ec8c)]
    [InlineData("foobar", 0x85944171f73967e8)]
    public void Fnv1a64_ReferenceVectors_Match(string value, ulong expected) =>
        Assert.Equal(expected, StableHash.Fnv1a64(value));

    [Theory]
    [InlineData("user-1")]
    [InlineData("Jürgen-Ölberg")]
    [InlineData("用户-😀-x")]
    [InlineData("lone-\ud800-surrogate")]
    public void Fnv1a64_NonAscii_HashesTheUtf8Bytes(string value) =>
        Assert.Equal(Reference(Encoding.UTF8.GetBytes(value)), StableHash.Fnv1a64(value));

    [Fact]
    public void Bucket_ManyValues_StayInRangeAndSpreadEvenly()
    {
        var perDecile = new int[10];
        for (var i = 0; i < 50_000; i++)
        {
            var bucket = StableHash.Bucket($"user-{i}");
            Assert.InRange(bucket, 0, StableHash.BucketCount - 1);
            perDecile[bucket / (StableHash.BucketCount / 10)]++;
        }

        Assert.All(perDecile, count => Assert.InRange(count, 4_500, 5_500));
    }

    // A byte-wise FNV-1a over bytes encoded by the BCL, independent of the char-wise encoder under test.
    private static ulong Reference(byte[] bytes)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in bytes)
        {
            hash ^= b;
            hash *= 1099511628211UL;
        }

        return hash;
    }
}
