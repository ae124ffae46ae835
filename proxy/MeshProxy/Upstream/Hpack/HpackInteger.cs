namespace MeshProxy.Upstream.Hpack;

/// <summary>
/// HPACK's prefixed integers (RFC 7541 §5.1): the value in the low N bits of the first byte when it is below 2^N-1;
/// else those bits all ones and the rest, 7 bits a byte, least significant group first, high bit set on all but the
/// last byte.
/// </summary>
internal static class HpackInteger
{
    /// <summary>The most bytes an int takes: a prefix byte and five 7-bit groups.</summary>
    public const int MaxLength = 6;

    /// <summary>
    /// Reads the integer whose prefix is the low <paramref name="prefixBits"/> bits of <c>source[position]</c> and
    /// moves <paramref name="position"/> past it.
    /// </summary>
    /// <exception cref="HpackException">The block ends inside the integer, or the value does not fit an int.</exception>
    public static int Decode(ReadOnlySpan<byte> source, ref int position, int prefixBits)
    {
        var mask = (1 << prefixBits) - 1;
        var value = source[position++] & mask;
        if (value < mask)
        {
            return value;
        }

        long total = value;
        var shift = 0;
        while (true)
        {
            if (position >= source.Length)
            {
                throw new HpackException("The header block ends inside an integer (RFC 7541 §5.1).");
            }

            var b = source[position++];
            total += (long)(b & 0x7F) << shift;
            if (total > int.MaxValue)
            {
                throw new HpackException("An integer in the header block does not fit 31 bits (RFC 7541 §5.1).");
            }

            if ((b & 0x80) == 0)
            {
                return (int)total;
            }

            shift += 7;
            if (shift > 28)
            {
                // Only zero groups could follow without overflowing; a decoder need not accept such padding.
                throw new HpackException("An integer in the header block is encoded in more bytes than an int needs (RFC 7541 §5.1).");
            }
        }
    }

    /// <summary>
    /// Writes <paramref name="value"/> with a <paramref name="prefixBits"/>-bit prefix, the first byte's high bits
    /// taken from <paramref name="pattern"/>; returns the bytes written (at most <see cref="MaxLength"/>).
    /// </summary>
    public static int Encode(int value, int prefixBits, byte pattern, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        var mask = (1 << prefixBits) - 1;
        if (value < mask)
        {
            destination[0] = (byte)(pattern | value);
            return 1;
        }

        destination[0] = (byte)(pattern | mask);
        var rest = (uint)(value - mask);
        var written = 1;
        while (rest >= 0x80)
        {
            destination[written++] = (byte)(rest | 0x80);
            rest >>= 7;
        }

        destination[written++] = (byte)rest;
        return written;
    }
}
