using System.Text;

namespace MeshProxy.TrafficPolicy;

/// <summary>
/// The hash behind sticky canaries: FNV-1a 64 over the UTF-8 bytes of a value, folded into one of
/// <see cref="BucketCount"/> buckets. It must give the same answer in every process, on every replica and every
/// version of MeshProxy (string.GetHashCode is randomised per process), so changing it would move users between
/// backends: treat it as a wire format.
/// </summary>
internal static class StableHash
{
    /// <summary>Buckets per route: a weight share resolves to 0.01 %.</summary>
    public const int BucketCount = 10_000;

    // FNV-1a 64 parameters (http://www.isthe.com/chongo/tech/comp/fnv/, draft-eastlake-fnv).
    private const ulong OffsetBasis = 0xcbf29ce484222325;
    private const ulong Prime = 0x100000001b3;

    /// <summary>FNV-1a 64 of the UTF-8 encoding of <paramref name="value"/>; lone surrogates encode as U+FFFD as in <see cref="Encoding.UTF8"/>.</summary>
    public static ulong Fnv1a64(ReadOnlySpan<char> value)
    {
        var hash = OffsetBasis;
        Span<byte> utf8 = stackalloc byte[4];
        while (!value.IsEmpty)
        {
            // Encode one scalar at a time: no buffer sized by the input, so no allocation for any length.
            Rune.DecodeFromUtf16(value, out var rune, out var consumed);
            var written = rune.EncodeToUtf8(utf8);
            for (var i = 0; i < written; i++)
            {
                hash = (hash ^ utf8[i]) * Prime;
            }

            value = value[consumed..];
        }

        return hash;
    }

    /// <summary>The bucket, in [0, <see cref="BucketCount"/>), of a value.</summary>
    public static int Bucket(ReadOnlySpan<char> value)
    {
        var hash = Fnv1a64(value);

        // FNV's low bits mix less than its high bits; fold the halves before the modulo.
        return (int)((hash ^ (hash >> 32)) % BucketCount);
    }
}
