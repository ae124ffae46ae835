using System.Buffers;
using System.Text;

namespace MeshProxy.Upstream.Hpack;

/// <summary>
/// Encodes request header fields (RFC 7541). We never index, so there is no dynamic table to keep in step and the
/// encoder has no state: a field is an indexed static entry when the static table has both name and value (§6.1),
/// else a literal without indexing (§6.2.2) whose name is a static index when the table has the name, with strings
/// Huffman coded when that is shorter (§5.2).
/// </summary>
/// <remarks>
/// Credentials (authorization, proxy-authorization) go as literals never indexed (§6.2.3, §7.1.3), so that an
/// intermediary behind the destination does not put them in a table of its own either.
/// Names must already be lower case (RFC 9113 §8.2.1); the caller guarantees it.
/// </remarks>
internal static class HpackEncoder
{
    private const byte IndexedPattern = 0x80;
    private const byte WithoutIndexingPattern = 0x00;
    private const byte NeverIndexedPattern = 0x10;
    private const byte SizeUpdatePattern = 0x20;
    private const byte HuffmanFlag = 0x80;

    // Static table indices of the fields sent never indexed.
    private const int AuthorizationIndex = 23;
    private const int ProxyAuthorizationIndex = 49;

    /// <summary>Appends one field; strings are sent as ISO-8859-1 bytes.</summary>
    /// <exception cref="ArgumentException">A character above U+00FF, which has no single byte to send.</exception>
    public static void EncodeHeader(string name, string value, IBufferWriter<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(destination);

        var index = HpackStaticTable.Find(name.AsSpan(), value.AsSpan(), out var nameIndex);
        if (index != 0)
        {
            WriteIndexed(index, destination);
            return;
        }

        var nameHuffman = nameIndex == 0 ? HuffmanLength(name, name, nameof(name)) : 0;
        var valueHuffman = HuffmanLength(value, name, nameof(value));
        var span = destination.GetSpan(HpackInteger.MaxLength + (nameIndex == 0 ? HpackInteger.MaxLength + name.Length : 0) + HpackInteger.MaxLength + value.Length);
        var written = WriteLiteralStart(nameIndex, span);
        if (nameIndex == 0)
        {
            written += WriteString(name, nameHuffman, span[written..]);
        }

        written += WriteString(value, valueHuffman, span[written..]);
        destination.Advance(written);
    }

    /// <summary>Appends one field whose name and value are already bytes.</summary>
    public static void EncodeHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, IBufferWriter<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);

        var index = HpackStaticTable.Find(name, value, out var nameIndex);
        if (index != 0)
        {
            WriteIndexed(index, destination);
            return;
        }

        var span = destination.GetSpan(HpackInteger.MaxLength + (nameIndex == 0 ? HpackInteger.MaxLength + name.Length : 0) + HpackInteger.MaxLength + value.Length);
        var written = WriteLiteralStart(nameIndex, span);
        if (nameIndex == 0)
        {
            written += WriteString(name, span[written..]);
        }

        written += WriteString(value, span[written..]);
        destination.Advance(written);
    }

    /// <summary>
    /// Appends a dynamic table size update (RFC 7541 §6.3), which must open a header block. We never index, so 0
    /// is always right: send it at the start of the first block after each change of the peer's
    /// SETTINGS_HEADER_TABLE_SIZE (a peer that lowers it may insist on hearing the change, RFC 7541 §4.2).
    /// </summary>
    public static void EncodeDynamicTableSizeUpdate(int size, IBufferWriter<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var span = destination.GetSpan(HpackInteger.MaxLength);
        destination.Advance(HpackInteger.Encode(size, 5, SizeUpdatePattern, span));
    }

    private static void WriteIndexed(int index, IBufferWriter<byte> destination)
    {
        var span = destination.GetSpan(HpackInteger.MaxLength);
        destination.Advance(HpackInteger.Encode(index, 7, IndexedPattern, span));
    }

    /// <summary>The literal's first byte(s): never-indexed or without-indexing, with the 4-bit name index (0: new name).</summary>
    private static int WriteLiteralStart(int nameIndex, Span<byte> destination)
    {
        var pattern = nameIndex is AuthorizationIndex or ProxyAuthorizationIndex ? NeverIndexedPattern : WithoutIndexingPattern;
        return HpackInteger.Encode(nameIndex, 4, pattern, destination);
    }

    private static int HuffmanLength(string text, string fieldName, string parameterName)
    {
        var length = Huffman.EncodedLength(text.AsSpan());
        if (length < 0)
        {
            // The value is left out of the message: it may be a credential.
            throw new ArgumentException(
                $"The {parameterName} of header field '{fieldName}' has a character above U+00FF, which HPACK cannot carry as one byte.",
                parameterName);
        }

        return length;
    }

    private static int WriteString(ReadOnlySpan<byte> text, Span<byte> destination)
    {
        var huffmanLength = Huffman.EncodedLength(text);
        if (huffmanLength < text.Length)
        {
            var written = HpackInteger.Encode(huffmanLength, 7, HuffmanFlag, destination);
            return written + Huffman.Encode(text, destination[written..]);
        }

        var headerLength = HpackInteger.Encode(text.Length, 7, 0, destination);
        text.CopyTo(destination[headerLength..]);
        return headerLength + text.Length;
    }

    private static int WriteString(string text, int huffmanLength, Span<byte> destination)
    {
        if (huffmanLength < text.Length)
        {
            var written = HpackInteger.Encode(huffmanLength, 7, HuffmanFlag, destination);
            return written + Huffman.Encode(text.AsSpan(), destination[written..]);
        }

        var headerLength = HpackInteger.Encode(text.Length, 7, 0, destination);
        // HuffmanLength has checked that every character fits a byte.
        Encoding.Latin1.GetBytes(text, destination.Slice(headerLength, text.Length));
        return headerLength + text.Length;
    }
}
