using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;

namespace MeshProxy.Upstream.Hpack;

/// <summary>
/// The static Huffman code of HPACK string literals (RFC 7541 §5.2, Appendix B). The code is canonical, so only its
/// 257 code lengths are written down; the codes and the decoder's state table are derived from them once, at type
/// initialisation.
/// </summary>
/// <remarks>
/// Decoding reads four bits at a time through a state machine whose states are the 256 inner nodes of the code tree
/// (257 leaves): each (state, nibble) entry names the next state and the symbol completed on the way, if any. No code
/// is shorter than 5 bits, so a nibble completes at most one symbol. A string may end only in a state that the
/// §5.2 padding rule accepts: the root, or a node reached by at most 7 one bits (a prefix of EOS).
/// </remarks>
internal static class Huffman
{
    /// <summary>The end-of-string symbol, which must never appear inside a string (RFC 7541 §5.2).</summary>
    private const int Eos = 256;

    // Entry layout of the decoding table: bits 0-7 the next state, bits 8-15 the emitted symbol, then two flags.
    private const int EmitFlag = 1 << 16;
    private const int FailFlag = 1 << 17;

    /// <summary>RFC 7541 Appendix B, the "len" column, symbols 0 to 256 (EOS).</summary>
    private static ReadOnlySpan<byte> CodeLengths =>
    [
        13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, // 0-15
        28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28, // 16-31
        6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6,         // ' ' to '/'
        5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,              // '0' to '?'
        13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,                // '@' to 'O'
        7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,             // 'P' to '_'
        15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5,                // '`' to 'o'
        6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,            // 'p' to 127
        20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, // 128-143
        24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, // 144-159
        22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, // 160-175
        21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23, // 176-191
        26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, // 192-207
        19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27, // 208-223
        20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, // 224-239
        26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, // 240-255
        30,                                                             // EOS
    ];

    /// <summary>Each symbol's code, right-aligned in the low 32 bits, and its length in the bits above: one load per symbol.</summary>
    private static readonly ulong[] Codes = BuildCodes();

    // 256 states x 16 nibbles.
    private static readonly int[] DecodeTable = BuildDecodeTable(out AcceptingStates);

    private static readonly bool[] AcceptingStates;

    /// <summary>The code of <paramref name="symbol"/> (0-256), right-aligned, and its length in bits.</summary>
    public static (uint Code, int Length) GetCode(int symbol) => ((uint)Codes[symbol], (int)(Codes[symbol] >> 32));

    /// <summary>The size of <paramref name="source"/> Huffman coded, padding included.</summary>
    public static int EncodedLength(ReadOnlySpan<byte> source)
    {
        long bits = 0;
        foreach (var b in source)
        {
            bits += CodeLengths[b];
        }

        return checked((int)((bits + 7) >> 3));
    }

    /// <summary>
    /// <see cref="EncodedLength(ReadOnlySpan{byte})"/> of the ISO-8859-1 bytes of <paramref name="source"/>; -1 when a
    /// character is above U+00FF and so has no single-byte form.
    /// </summary>
    public static int EncodedLength(ReadOnlySpan<char> source)
    {
        // No branch per character: a character above U+00FF shows in the OR of them all, and until then the byte
        // index (which lets the JIT drop the bounds check) is the character.
        long bits = 0;
        var all = 0;
        foreach (var c in source)
        {
            all |= c;
            bits += CodeLengths[(byte)c];
        }

        return all > 0xFF ? -1 : checked((int)((bits + 7) >> 3));
    }

    /// <summary>Codes <paramref name="source"/> into <paramref name="destination"/>; returns the bytes written.</summary>
    /// <exception cref="ArgumentException">The destination is shorter than <see cref="EncodedLength(ReadOnlySpan{byte})"/>.</exception>
    public static int Encode(ReadOnlySpan<byte> source, Span<byte> destination) => Encode<byte>(source, destination);

    /// <summary>Codes the ISO-8859-1 bytes of <paramref name="source"/> (every character at most U+00FF).</summary>
    /// <exception cref="ArgumentException">A character above U+00FF, or the destination is too short.</exception>
    public static int Encode(ReadOnlySpan<char> source, Span<byte> destination) => Encode<char>(source, destination);

    /// <summary>
    /// Packs the codes most significant bit first, 32 bits to a store, and pads the last byte with ones (the most
    /// significant bits of EOS, RFC 7541 §5.2). One body for bytes and chars; the JIT compiles each on its own.
    /// </summary>
    /// <remarks>
    /// The destination is checked once a store and once for the tail, not once a byte: callers size it with
    /// <see cref="EncodedLength(ReadOnlySpan{char})"/>, so only a caller's mistake ever meets the check.
    /// </remarks>
    private static int Encode<T>(ReadOnlySpan<T> source, Span<byte> destination)
        where T : unmanaged, IBinaryInteger<T>
    {
        var codes = Codes;
        ulong pending = 0; // the low `count` bits are not yet written; the bits above them are
        var count = 0;
        var written = 0;
        foreach (var item in source)
        {
            var symbol = uint.CreateTruncating(item);
            if (symbol > 0xFF)
            {
                ThrowNotLatin1(symbol);
            }

            var entry = codes[symbol];
            var length = (int)(entry >> 32);
            pending = (pending << length) | (uint)entry;
            count += length;

            // Below 32 pending bits before this code and at most 30 in it: never more than 61, so none is lost.
            if (count >= 32)
            {
                count -= 32;
                if (!BinaryPrimitives.TryWriteUInt32BigEndian(destination[written..], (uint)(pending >> count)))
                {
                    ThrowDestinationTooShort();
                }

                written += 4;
            }
        }

        // Up to 31 bits remain: pad them to whole bytes, at most four.
        var padding = -count & 7;
        pending = (pending << padding) | ((1u << padding) - 1);
        count += padding;
        if (destination.Length - written < count >> 3)
        {
            ThrowDestinationTooShort();
        }

        while (count > 0)
        {
            count -= 8;
            destination[written++] = (byte)(pending >> count);
        }

        return written;
    }

    [DoesNotReturn]
    private static void ThrowNotLatin1(uint symbol) =>
        throw new ArgumentException($"U+{symbol:X4} has no ISO-8859-1 byte for an HPACK string.", "source");

    [DoesNotReturn]
    private static void ThrowDestinationTooShort() =>
        throw new ArgumentException("The destination is shorter than the Huffman-coded string.", "destination");

    /// <summary>The most bytes <paramref name="encodedLength"/> coded bytes can decode to (the shortest code is 5 bits).</summary>
    public static int GetMaxDecodedLength(int encodedLength) => (int)(((long)encodedLength * 8 + 4) / 5);

    /// <summary>Decodes <paramref name="source"/> into <paramref name="destination"/>; returns the bytes written.</summary>
    /// <exception cref="HpackException">
    /// EOS inside the string, padding longer than 7 bits or not a prefix of EOS (RFC 7541 §5.2), or a destination
    /// shorter than the decoded string (size it with <see cref="GetMaxDecodedLength"/>).
    /// </exception>
    public static int Decode(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        var table = DecodeTable;
        var state = 0;
        var written = 0;
        foreach (var b in source)
        {
            var entry = table[(state << 4) | (b >> 4)];
            if ((entry & (EmitFlag | FailFlag)) != 0)
            {
                written = Emit(entry, destination, written);
            }

            entry = table[((entry & 0xFF) << 4) | (b & 0xF)];
            if ((entry & (EmitFlag | FailFlag)) != 0)
            {
                written = Emit(entry, destination, written);
            }

            state = entry & 0xFF;
        }

        if (!AcceptingStates[state])
        {
            throw new HpackException("Huffman-coded string ends in padding longer than 7 bits or not all ones (RFC 7541 §5.2).");
        }

        return written;
    }

    private static int Emit(int entry, Span<byte> destination, int written)
    {
        if ((entry & FailFlag) != 0)
        {
            throw new HpackException("Huffman-coded string contains the EOS symbol (RFC 7541 §5.2).");
        }

        if ((uint)written >= (uint)destination.Length)
        {
            throw new HpackException("Huffman-coded string decodes to more bytes than the buffer given for it.");
        }

        destination[written] = (byte)(entry >> 8);
        return written + 1;
    }

    /// <summary>Canonical codes: within a length, consecutive in symbol order; each length starts after the last.</summary>
    private static ulong[] BuildCodes()
    {
        var codes = new ulong[CodeLengths.Length];
        uint next = 0;
        var previousLength = 0;
        for (var length = 1; length <= 30; length++)
        {
            for (var symbol = 0; symbol < CodeLengths.Length; symbol++)
            {
                if (CodeLengths[symbol] != length)
                {
                    continue;
                }

                next <<= length - previousLength;
                previousLength = length;
                codes[symbol] = ((ulong)length << 32) | next++;
            }
        }

        return codes;
    }

    private static int[] BuildDecodeTable(out bool[] accepting)
    {
        // The code tree: inner nodes 0-255 (0 the root), each with two children; a child >= 0 is an inner node,
        // a child < 0 is the leaf of symbol ~child.
        var children = new int[256, 2];
        var depth = new int[256];
        var allOnes = new bool[256];
        allOnes[0] = true;
        var innerCount = 1;
        for (var symbol = 0; symbol < CodeLengths.Length; symbol++)
        {
            var node = 0;
            int length = CodeLengths[symbol];
            for (var bit = length - 1; bit >= 0; bit--)
            {
                var branch = (int)(GetCode(symbol).Code >> bit) & 1;
                if (bit == 0)
                {
                    children[node, branch] = ~symbol;
                }
                else
                {
                    if (children[node, branch] == 0)
                    {
                        var inner = innerCount++;
                        children[node, branch] = inner;
                        depth[inner] = depth[node] + 1;
                        allOnes[inner] = allOnes[node] && branch == 1;
                    }

                    node = children[node, branch];
                }
            }
        }

        var table = new int[256 * 16];
        for (var state = 0; state < 256; state++)
        {
            for (var nibble = 0; nibble < 16; nibble++)
            {
                var node = state;
                var entry = 0;
                for (var bit = 3; bit >= 0; bit--)
                {
                    var child = children[node, (nibble >> bit) & 1];
                    if (child >= 0)
                    {
                        node = child;
                        continue;
                    }

                    var symbol = ~child;
                    entry = symbol == Eos ? FailFlag : EmitFlag | (symbol << 8);
                    node = 0;
                    if (symbol == Eos)
                    {
                        break;
                    }
                }

                table[(state << 4) | nibble] = entry | node;
            }
        }

        accepting = new bool[256];
        for (var state = 0; state < 256; state++)
        {
            accepting[state] = allOnes[state] && depth[state] <= 7;
        }

        return table;
    }
}
