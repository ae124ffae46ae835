namespace MeshProxy.Upstream.Hpack;

/// <summary>
/// Decodes the header blocks of one HTTP/2 connection (RFC 7541), owning its dynamic table (§2.3.2): one instance per
/// connection, blocks in the order they arrive, from one thread at a time.
/// </summary>
/// <remarks>
/// A block is a sequence of field representations (§6), told apart by the high bits of their first byte:
/// <code>
///   1xxxxxxx  indexed field, 7-bit index                                     §6.1
///   01xxxxxx  literal with incremental indexing, 6-bit name index or 0 + name §6.2.1
///   001xxxxx  dynamic table size update, 5-bit size (only before any field)   §6.3
///   0001xxxx  literal never indexed, 4-bit name index or 0 + name             §6.2.3
///   0000xxxx  literal without indexing, 4-bit name index or 0 + name          §6.2.2
/// </code>
/// A literal's name (when not indexed) and value are strings: an H bit (Huffman), a 7-bit length, the bytes (§5.2).
/// Decoded strings that need a copy (Huffman coded, or a table entry that wraps the ring) go into one scratch buffer
/// the decoder keeps, so a field costs no allocation once the buffer has grown to the connection's largest.
/// </remarks>
internal sealed class HpackDecoder
{
    private readonly int _maxHeaderListSize;
    private readonly HpackDynamicTable _table;
    private byte[] _scratch = new byte[256];

    /// <param name="maxDynamicTableSize">What we advertise in SETTINGS_HEADER_TABLE_SIZE (RFC 9113 §6.5.2).</param>
    /// <param name="maxHeaderListSize">
    /// The bound on the decoded list: the sum of name + value + 32 over its fields (RFC 9113 §6.5.2).
    /// </param>
    public HpackDecoder(int maxDynamicTableSize = 4096, int maxHeaderListSize = 65536)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxDynamicTableSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxHeaderListSize);
        _table = new HpackDynamicTable(maxDynamicTableSize);
        _maxHeaderListSize = maxHeaderListSize;
    }

    /// <summary>The dynamic table's size in RFC 7541 §4.1 terms (name + value + 32 per entry).</summary>
    public int DynamicTableSize => _table.Size;

    /// <summary>The number of entries in the dynamic table.</summary>
    public int DynamicTableCount => _table.Count;

    /// <summary>The dynamic table's current maximum size, as the peer last set it (RFC 7541 §6.3).</summary>
    public int DynamicTableCapacity => _table.Capacity;

    /// <summary>
    /// Decodes one complete header block (a HEADERS payload and its CONTINUATIONs, padding and priority removed,
    /// concatenated) and hands its fields to <paramref name="sink"/> in order.
    /// </summary>
    /// <exception cref="HpackException">
    /// The block is malformed: the connection must end with COMPRESSION_ERROR. Or, with
    /// <see cref="HpackException.IsHeaderListTooLarge"/>, the list is over the limit: the whole block was still decoded
    /// (so the dynamic table stays in step), the sink got the fields up to the limit, and only the stream need fail.
    /// </exception>
    public void Decode(ReadOnlySpan<byte> headerBlock, IHeaderSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        var position = 0;
        long listSize = 0;
        var fieldSeen = false;
        while (position < headerBlock.Length)
        {
            var first = headerBlock[position];
            ReadOnlySpan<byte> name;
            ReadOnlySpan<byte> value;
            var used = 0;
            if ((first & 0x80) != 0)
            {
                var index = HpackInteger.Decode(headerBlock, ref position, 7);
                GetField(index, ref used, out name, out value);
            }
            else if ((first & 0x40) != 0)
            {
                var nameIndex = HpackInteger.Decode(headerBlock, ref position, 6);
                if (nameIndex == 0)
                {
                    name = ReadString(headerBlock, ref position, ref used);
                }
                else
                {
                    GetField(nameIndex, ref used, out name, out _);
                    if (nameIndex > HpackStaticTable.Count)
                    {
                        // Inserting may evict this very entry and reuse its bytes (RFC 7541 §4.4): keep a copy.
                        var copy = Reserve(ref used, name.Length);
                        name.CopyTo(copy);
                        name = copy;
                    }
                }

                value = ReadString(headerBlock, ref position, ref used);
                _table.Add(name, value);
            }
            else if ((first & 0x20) != 0)
            {
                if (fieldSeen)
                {
                    throw new HpackException("Dynamic table size update after a header field; it is allowed only at the start of a block (RFC 9113 §4.3.1).");
                }

                _table.Resize(HpackInteger.Decode(headerBlock, ref position, 5));
                continue;
            }
            else
            {
                var nameIndex = HpackInteger.Decode(headerBlock, ref position, 4);
                if (nameIndex == 0)
                {
                    name = ReadString(headerBlock, ref position, ref used);
                }
                else
                {
                    GetField(nameIndex, ref used, out name, out _);
                }

                value = ReadString(headerBlock, ref position, ref used);
            }

            fieldSeen = true;
            listSize += name.Length + value.Length + HpackDynamicTable.EntryOverhead;
            if (listSize <= _maxHeaderListSize)
            {
                sink.OnHeader(name, value);
            }
        }

        if (listSize > _maxHeaderListSize)
        {
            throw HpackException.HeaderListTooLarge(listSize, _maxHeaderListSize);
        }
    }

    /// <summary>The field at <paramref name="index"/> in the index space of RFC 7541 §2.3.3: static, then dynamic.</summary>
    private void GetField(int index, scoped ref int used, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        if (index == 0)
        {
            throw new HpackException("Index 0 in a header block (RFC 7541 §6.1).");
        }

        if (index <= HpackStaticTable.Count)
        {
            name = HpackStaticTable.GetName(index);
            value = HpackStaticTable.GetValue(index);
            return;
        }

        var dynamicIndex = index - HpackStaticTable.Count - 1;
        if (dynamicIndex >= _table.Count)
        {
            throw new HpackException(
                $"Index {index} is past the end of the header table ({HpackStaticTable.Count} static and {_table.Count} dynamic entries) (RFC 7541 §2.3.3).");
        }

        var scratch = Reserve(ref used, _table.GetByteLength(dynamicIndex));
        _table.Get(dynamicIndex, scratch, out name, out value);
    }

    /// <summary>A string literal (RFC 7541 §5.2): the bytes in the block, or Huffman decoded into the scratch buffer.</summary>
    private ReadOnlySpan<byte> ReadString(ReadOnlySpan<byte> block, scoped ref int position, scoped ref int used)
    {
        if (position >= block.Length)
        {
            throw new HpackException("The header block ends before a string literal (RFC 7541 §5.2).");
        }

        var huffman = (block[position] & 0x80) != 0;
        var length = HpackInteger.Decode(block, ref position, 7);
        if (length > block.Length - position)
        {
            throw new HpackException(
                $"A string literal of {length} bytes runs past the end of the header block ({block.Length - position} bytes left) (RFC 7541 §5.2).");
        }

        var raw = block.Slice(position, length);
        position += length;
        if (!huffman)
        {
            return raw;
        }

        var start = used;
        var destination = Reserve(ref used, Huffman.GetMaxDecodedLength(length));
        var written = Huffman.Decode(raw, destination);
        used = start + written;
        return destination[..written];
    }

    /// <summary>
    /// The next <paramref name="length"/> bytes of the scratch buffer. Growing replaces the array, which leaves spans
    /// already handed out over the old one valid and unchanged.
    /// </summary>
    private Span<byte> Reserve(scoped ref int used, int length)
    {
        var end = used + length;
        if (end > _scratch.Length)
        {
            var grown = new byte[Math.Max(end, _scratch.Length * 2)];
            _scratch.AsSpan(0, used).CopyTo(grown);
            _scratch = grown;
        }

        var span = _scratch.AsSpan(used, length);
        used = end;
        return span;
    }
}
