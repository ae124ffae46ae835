namespace MeshProxy.Upstream.Hpack;

/// <summary>
/// The decoder's dynamic table (RFC 7541 §2.3.2, §4): newest entry first, evicted oldest first, bounded by the
/// sum of name + value + 32 over its entries.
/// </summary>
/// <remarks>
/// Entries live in two rings: their bytes (name then value) in a byte ring, their lengths in an entry ring. The
/// bytes of the live entries never exceed the table's size (each entry counts 32 more than its bytes), so a byte ring
/// of the largest size allowed never overruns; an entry that runs past the ring's end continues at its start, and is
/// made contiguous in a caller's buffer only when read.
/// </remarks>
internal sealed class HpackDynamicTable
{
    /// <summary>The overhead RFC 7541 §4.1 adds to each entry's name and value lengths.</summary>
    public const int EntryOverhead = 32;

    private readonly int _maxCapacity;
    private byte[] _bytes = [];
    private Entry[] _entries = [];
    private int _newest = -1;     // slot of the newest entry in _entries
    private int _count;
    private int _byteHead;        // where the next entry's bytes go

    public HpackDynamicTable(int maxCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxCapacity);
        _maxCapacity = maxCapacity;
        Capacity = maxCapacity;
    }

    /// <summary>The table's current maximum size (the last dynamic table size update, or the initial maximum).</summary>
    public int Capacity { get; private set; }

    /// <summary>The sum of name + value + 32 over the entries.</summary>
    public int Size { get; private set; }

    public int Count => _count;

    /// <summary>Sets the maximum size, evicting entries until they fit (RFC 7541 §4.3).</summary>
    public void Resize(int capacity)
    {
        if ((uint)capacity > (uint)_maxCapacity)
        {
            throw new HpackException(
                $"Dynamic table size update to {capacity} is above the SETTINGS_HEADER_TABLE_SIZE of {_maxCapacity} (RFC 7541 §6.3).");
        }

        Capacity = capacity;
        EvictUntil(capacity);
    }

    /// <summary>
    /// Inserts a field as the newest entry, evicting the oldest as needed (RFC 7541 §4.4): a field larger than the
    /// table empties it and is not inserted. <paramref name="name"/> must not point into this table.
    /// </summary>
    public void Add(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        var size = (long)name.Length + value.Length + EntryOverhead;
        if (size > Capacity)
        {
            EvictUntil(0);
            return;
        }

        EvictUntil(Capacity - (int)size);
        EnsureStorage();

        var start = _byteHead;
        Write(name);
        Write(value);
        _newest = _newest + 1 == _entries.Length ? 0 : _newest + 1;
        _entries[_newest] = new Entry(start, name.Length, value.Length);
        _count++;
        Size += (int)size;
    }

    /// <summary>
    /// The entry at <paramref name="index"/> (0 the newest). A part that wraps past the ring's end is copied into
    /// <paramref name="scratch"/> (which must hold the entry's bytes), so the spans returned are contiguous.
    /// </summary>
    public void Get(int index, Span<byte> scratch, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        var slot = _newest - index;
        if (slot < 0)
        {
            slot += _entries.Length;
        }

        var entry = _entries[slot];
        name = Read(entry.Offset, entry.NameLength, scratch);
        var valueOffset = entry.Offset + entry.NameLength;
        if (valueOffset >= _bytes.Length)
        {
            valueOffset -= _bytes.Length;
        }

        value = Read(valueOffset, entry.ValueLength, scratch[entry.NameLength..]);
    }

    /// <summary>The name and value length of the entry at <paramref name="index"/> (0 the newest).</summary>
    public int GetByteLength(int index)
    {
        var slot = _newest - index;
        if (slot < 0)
        {
            slot += _entries.Length;
        }

        return _entries[slot].NameLength + _entries[slot].ValueLength;
    }

    private ReadOnlySpan<byte> Read(int offset, int length, Span<byte> scratch)
    {
        var first = _bytes.Length - offset;
        if (length <= first)
        {
            return _bytes.AsSpan(offset, length);
        }

        _bytes.AsSpan(offset, first).CopyTo(scratch);
        _bytes.AsSpan(0, length - first).CopyTo(scratch[first..]);
        return scratch[..length];
    }

    private void Write(ReadOnlySpan<byte> source)
    {
        var first = Math.Min(source.Length, _bytes.Length - _byteHead);
        source[..first].CopyTo(_bytes.AsSpan(_byteHead));
        source[first..].CopyTo(_bytes);
        _byteHead += source.Length;
        if (_byteHead >= _bytes.Length)
        {
            _byteHead -= _bytes.Length;
        }
    }

    private void EvictUntil(int size)
    {
        while (Size > size)
        {
            var oldest = _newest - (_count - 1);
            if (oldest < 0)
            {
                oldest += _entries.Length;
            }

            var entry = _entries[oldest];
            Size -= entry.NameLength + entry.ValueLength + EntryOverhead;
            _count--;
        }

        if (_count == 0)
        {
            // Restart at the ring's start so small tables rarely wrap.
            _byteHead = 0;
        }
    }

    /// <summary>The rings are made on the first insertion: a peer that never indexes costs no table memory.</summary>
    private void EnsureStorage()
    {
        if (_bytes.Length == 0)
        {
            // Each entry holds at least 32 of the size, so the table never has more than this many entries.
            _bytes = new byte[_maxCapacity];
            _entries = new Entry[(_maxCapacity / EntryOverhead) + 1];
        }
    }

    private readonly record struct Entry(int Offset, int NameLength, int ValueLength);
}
