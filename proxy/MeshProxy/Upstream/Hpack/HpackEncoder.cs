using System.Buffers;
using System.Collections.Frozen;
using System.Text;

namespace MeshProxy.Upstream.Hpack;

/// <summary>
/// Encodes the request header blocks of one HTTP/2 connection (RFC 7541), keeping a dynamic table in step with the
/// server's decoder (§2.3.2, §4), so that a field sent on an earlier call goes as one indexed byte, neither Huffman
/// coded nor copied again. One instance per connection; the blocks must reach the server in the order they were
/// encoded, and each must be sent once <see cref="EndBlock"/> is called (the connection encodes and appends a block
/// under its lock).
/// </summary>
/// <remarks>
/// <para>A field takes the first of these that applies:</para>
/// <list type="number">
/// <item>The static table has its name and value: indexed (§6.1).</item>
/// <item>A credential (authorization, proxy-authorization, a cookie under 20 bytes): a literal never indexed
/// (§6.2.3), so that no intermediary behind the server indexes it either (§7.1.3).</item>
/// <item>A field whose value is new on every call (grpc-timeout, trace context, request ids, content-length): a
/// literal without indexing (§6.2.2); indexing it would only evict the fields that do repeat.</item>
/// <item>The dynamic table has it: indexed (§6.1).</item>
/// <item>A <c>:path</c> over 256 bytes, or a field over a quarter of the table: a literal without indexing.</item>
/// <item>Otherwise: a literal with incremental indexing (§6.2.1), and the field becomes the table's newest entry.</item>
/// </list>
/// <para>A literal's name is an index when either table has it; its strings are Huffman coded when that is shorter
/// (§5.2), except the values of per-call fields (item 3), which are sent raw. Names must already be lower case
/// (RFC 9113 §8.2.1); the caller guarantees it.</para>
/// <para>The table's size is the server's SETTINGS_HEADER_TABLE_SIZE, 4096 at most (as nghttp2's and Kestrel's encoders
/// keep by default), and 4096 until the server says otherwise, since its decoder starts there (RFC 9113 §6.5.2).</para>
/// </remarks>
internal sealed class HpackEncoder
{
    /// <summary>The largest table we keep, and the protocol's initial SETTINGS_HEADER_TABLE_SIZE.</summary>
    public const int MaxTableSize = 4096;

    /// <summary>Longer paths are taken for per-call (REST ids, query strings) and not indexed; a gRPC method's repeats.</summary>
    public const int MaxIndexedPathLength = 256;

    private const byte IndexedPattern = 0x80;
    private const byte IncrementalIndexingPattern = 0x40;
    private const byte SizeUpdatePattern = 0x20;
    private const byte NeverIndexedPattern = 0x10;
    private const byte WithoutIndexingPattern = 0x00;
    private const byte HuffmanFlag = 0x80;

    /// <summary>
    /// The fields whose values are new on every call (remarks, item 3), each with all of its literal up to the value:
    /// the same bytes on every call, so Huffman coded once here rather than per call.
    /// </summary>
    private static readonly FrozenDictionary<string, byte[]> PerCallLiteralStarts = new[]
    {
        "grpc-timeout", "grpc-previous-rpc-attempts", "content-length", "x-request-id", "traceparent", "tracestate",
        "grpc-trace-bin", "b3", "x-b3-traceid", "x-b3-spanid", "x-b3-parentspanid",
    }.ToFrozenDictionary(name => name, PerCallLiteralStart, StringComparer.Ordinal);

    // Name facts are kept for this many name instances; the names a connection sends on every call are a dozen or so.
    private const int NameSlots = 64;
    private const int NameProbes = 4;

    private readonly HpackEncoderTable _table = new(MaxTableSize);
    private readonly NameFacts[] _names = new NameFacts[NameSlots];
    private int _allowedSize = MaxTableSize;   // what the server's last SETTINGS_HEADER_TABLE_SIZE allows us
    private int _smallestAllowed = -1;         // the smallest it allowed since the last block began; -1: no change
    private bool _inBlock;

    private enum Kind
    {
        /// <summary>Looked up in the dynamic table, and added to it when missing.</summary>
        Repeating,

        /// <summary>Too large to index; its name may still be in either table.</summary>
        Large,

        /// <summary>A credential: never indexed, here or downstream.</summary>
        Sensitive,
    }

    /// <summary>The dynamic table's size in RFC 7541 §4.1 terms (name + value + 32 per entry).</summary>
    public int DynamicTableSize => _table.Size;

    /// <summary>The number of entries in the dynamic table.</summary>
    public int DynamicTableCount => _table.Count;

    /// <summary>The dynamic table's maximum size, as the size updates encoded so far set it.</summary>
    public int DynamicTableCapacity => _table.Capacity;

    /// <summary>
    /// Takes a SETTINGS_HEADER_TABLE_SIZE from the server. The next block opens with the size updates that tell its
    /// decoder of the change (RFC 7541 §4.2): call this under the lock that appends the SETTINGS ack, since the server
    /// applies the new limit when the ack arrives, before the blocks sent after it.
    /// </summary>
    public void SetMaxTableSize(uint settingsHeaderTableSize)
    {
        _allowedSize = (int)Math.Min(settingsHeaderTableSize, MaxTableSize);
        _smallestAllowed = _smallestAllowed < 0 ? _allowedSize : Math.Min(_smallestAllowed, _allowedSize);
    }

    /// <summary>Starts a header block: appends the dynamic table size updates it owes the server, if any (§6.3).</summary>
    public void BeginBlock(IBufferWriter<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (_inBlock)
        {
            // The last block was never ended, so never sent (encoding it threw): the server did not see the entries it
            // added, nor the size updates it opened with. Rather than undo them, empty both tables: a size update to 0
            // evicts every entry on the server's side too (§4.3), whatever size it had. Rare, and safe whatever threw.
            Resize(0, destination);
            _smallestAllowed = _allowedSize;
        }

        _inBlock = true;
        if (_smallestAllowed < 0)
        {
            return;
        }

        // §4.2: when the size changed more than once between blocks, the smallest is signalled, then the final one.
        // A change that leaves the size where the server's decoder has it needs no update (nghttp2 asks for one only
        // when its setting goes below the size in use).
        if (_smallestAllowed < _table.Capacity)
        {
            Resize(_smallestAllowed, destination);
        }

        if (_allowedSize != _table.Capacity)
        {
            Resize(_allowedSize, destination);
        }

        _smallestAllowed = -1;
    }

    /// <summary>Ends the block begun by <see cref="BeginBlock"/>: it will be sent, and the table is as the server will have it.</summary>
    public void EndBlock() => _inBlock = false;

    /// <summary>Appends one field of the block; strings are sent as ISO-8859-1 bytes.</summary>
    /// <exception cref="ArgumentException">
    /// A character above U+00FF, which has no single byte to send. Nothing is appended for this field, but the block
    /// must then be dropped: the next <see cref="BeginBlock"/> sets both tables back to empty.
    /// </exception>
    public void EncodeHeader(string name, string value, IBufferWriter<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(destination);

        var facts = FactsOf(name);
        var nameIndex = facts.StaticNameIndex;
        if (nameIndex != 0 && (facts.StaticValues || value.Length == 0))
        {
            var staticIndex = HpackStaticTable.Find(name.AsSpan(), value.AsSpan(), out _);
            if (staticIndex != 0)
            {
                WriteIndexed(staticIndex, destination);
                return;
            }
        }

        // After the static table, which has content-length with an empty value: that one goes as its index.
        if (facts.PerCallLiteralStart is { } literalStart)
        {
            WritePerCallLiteral(literalStart, name, value, destination);
            return;
        }

        var size = (long)name.Length + value.Length + HpackDynamicTable.EntryOverhead;
        var kind = Classify(name, value, size);
        if (kind == Kind.Sensitive)
        {
            // Every credential's name is in the static table.
            WriteLiteral(NeverIndexedPattern, 4, nameIndex, name, value, destination);
            return;
        }

        var nameHash = facts.NameHash;
        var fieldHash = 0;
        if (size <= _table.Capacity)
        {
            // A large field too may be in the table, added before the table shrank; one larger than the table is not.
            fieldHash = HpackEncoderTable.HashField(nameHash, value);
            var index = _table.FindField(name, value, nameHash, fieldHash);
            if (index != 0)
            {
                WriteIndexed(index, destination);
                return;
            }
        }

        if (nameIndex == 0)
        {
            nameIndex = _table.FindName(name, nameHash);
        }

        if (kind == Kind.Large)
        {
            WriteLiteral(WithoutIndexingPattern, 4, nameIndex, name, value, destination);
            return;
        }

        // The literal is written (and its strings checked) before the entry is added: the server reads a name index
        // against the table as it was, even when adding evicts that very entry (§4.4).
        WriteLiteral(IncrementalIndexingPattern, 6, nameIndex, name, value, destination);
        _table.Add(name, value, nameHash, fieldHash);
    }

    /// <summary>
    /// What is known of <paramref name="name"/> before its value is seen, worked out once per name instance: the names
    /// of a call's fields are mostly the same instances on every call (literals, the server's known names), and looking
    /// them up by reference saves the static table's scan, the per-call lookup and the name's hash each time (2 % of the
    /// proxy's CPU went to those; docs/benchmarks.md). A name whose neighbourhood of slots is full is worked out anew.
    /// </summary>
    private NameFacts FactsOf(string name)
    {
        var first = name.Length == 0 ? 0 : (name.Length * 7) + name[^1] + (name[name.Length / 2] * 3);
        for (var probe = 0; probe < NameProbes; probe++)
        {
            ref var slot = ref _names[(first + probe) & (NameSlots - 1)];
            if (slot.Name is null)
            {
                return slot = NameFacts.Of(name);
            }

            if (ReferenceEquals(slot.Name, name))
            {
                return slot;
            }
        }

        return NameFacts.Of(name);
    }

    private Kind Classify(string name, string value, long size)
    {
        switch (name)
        {
            case "authorization" or "proxy-authorization":
            case "cookie" when value.Length < 20: // short cookies are guessable from the table's behaviour (§7.1.3)
                return Kind.Sensitive;
            case ":path" when value.Length > MaxIndexedPathLength:
                return Kind.Large;
        }

        return size > _table.Capacity / 4 ? Kind.Large : Kind.Repeating;
    }

    /// <summary>A dynamic table size update (§6.3), and the same eviction the server's decoder makes on reading it.</summary>
    private void Resize(int size, IBufferWriter<byte> destination)
    {
        var span = destination.GetSpan(HpackInteger.MaxLength);
        destination.Advance(HpackInteger.Encode(size, 5, SizeUpdatePattern, span));
        _table.Resize(size);
    }

    private static void WriteIndexed(int index, IBufferWriter<byte> destination)
    {
        var span = destination.GetSpan(HpackInteger.MaxLength);
        destination.Advance(HpackInteger.Encode(index, 7, IndexedPattern, span));
    }

    /// <summary>A literal (§6.2): the pattern with the name index in its prefix (0: a new name follows), then the value.</summary>
    private static void WriteLiteral(byte pattern, int prefixBits, int nameIndex, string name, string value, IBufferWriter<byte> destination)
    {
        // Both lengths first: they refuse a string HPACK cannot carry before anything is written.
        var nameHuffman = nameIndex == 0 ? HuffmanLength(name, name, nameof(name)) : 0;
        var valueHuffman = HuffmanLength(value, name, nameof(value));
        var span = destination.GetSpan(HpackInteger.MaxLength + (nameIndex == 0 ? HpackInteger.MaxLength + name.Length : 0) + HpackInteger.MaxLength + value.Length);
        var written = WriteLiteralStart(pattern, prefixBits, nameIndex, name, nameHuffman, span);
        written += WriteString(value, valueHuffman, span[written..]);
        destination.Advance(written);
    }

    /// <summary>
    /// A per-call literal, whose bytes up to the value, <paramref name="start"/>, were written once before. The value goes
    /// as raw bytes, never Huffman coded: these values are ids, hex and digits, new on every call, which Huffman shortens
    /// by about a third (some 30 bytes a call) for about 1 % of the proxy's CPU (docs/benchmarks.md). haproxy's encoder
    /// sends every string raw.
    /// </summary>
    private static void WritePerCallLiteral(byte[] start, string name, string value, IBufferWriter<byte> destination)
    {
        foreach (var c in value)
        {
            if (c > '\u00FF')
            {
                throw NotLatin1(name, nameof(value));
            }
        }

        var span = destination.GetSpan(start.Length + HpackInteger.MaxLength + value.Length);
        start.CopyTo(span);
        var written = start.Length + HpackInteger.Encode(value.Length, 7, 0, span[start.Length..]);
        written += Encoding.Latin1.GetBytes(value, span.Slice(written, value.Length));
        destination.Advance(written);
    }

    private static int WriteLiteralStart(byte pattern, int prefixBits, int nameIndex, string name, int nameHuffman, Span<byte> destination)
    {
        var written = HpackInteger.Encode(nameIndex, prefixBits, pattern, destination);
        if (nameIndex != 0)
        {
            return written;
        }

        return written + WriteString(name, nameHuffman, destination[written..]);
    }

    /// <summary>What <see cref="EncodeHeader"/> writes before the value of a per-call field: its name never enters the dynamic table.</summary>
    private static byte[] PerCallLiteralStart(string name)
    {
        HpackStaticTable.Find(name.AsSpan(), [], out var nameIndex);
        var start = new byte[HpackInteger.MaxLength + HpackInteger.MaxLength + name.Length];
        var nameHuffman = nameIndex == 0 ? HuffmanLength(name, name, nameof(name)) : 0;
        return start[..WriteLiteralStart(WithoutIndexingPattern, 4, nameIndex, name, nameHuffman, start)];
    }

    private static int HuffmanLength(string text, string fieldName, string parameterName)
    {
        var length = Huffman.EncodedLength(text.AsSpan());
        return length >= 0 ? length : throw NotLatin1(fieldName, parameterName);
    }

    // The value is left out of the message: it may be a credential.
    private static ArgumentException NotLatin1(string fieldName, string parameterName) => new(
        $"The {parameterName} of header field '{fieldName}' has a character above U+00FF, which HPACK cannot carry as one byte.",
        parameterName);

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

    /// <param name="Name">The instance these facts are of.</param>
    /// <param name="StaticNameIndex">The first static entry with this name, else 0.</param>
    /// <param name="StaticValues">Whether the static table has entries of this name with a value (<c>:method</c>, <c>:path</c>...).</param>
    /// <param name="PerCallLiteralStart">The literal's bytes up to the value, for a field new on every call; else null.</param>
    /// <param name="NameHash">The dynamic table's hash of the name.</param>
    private readonly record struct NameFacts(string Name, int StaticNameIndex, bool StaticValues, byte[]? PerCallLiteralStart, int NameHash)
    {
        public static NameFacts Of(string name)
        {
            HpackStaticTable.Find(name.AsSpan(), [], out var nameIndex);
            return new NameFacts(
                name,
                nameIndex,
                nameIndex != 0 && HpackStaticTable.GetValue(nameIndex).Length > 0,
                PerCallLiteralStarts.GetValueOrDefault(name),
                HpackEncoderTable.HashName(name));
        }
    }
}
