using System.Numerics;

namespace MeshProxy.Upstream.Hpack;

/// <summary>
/// The encoder's copy of the peer decoder's dynamic table (RFC 7541 §2.3.2, §4): newest entry first, evicted oldest
/// first, bounded by the sum of name + value + 32 over its entries. It answers the encoder's two questions, "which
/// index holds this field?" and "which index holds this name?", without allocating.
/// </summary>
/// <remarks>
/// <para>Entries hold the caller's strings, compared by content (every call brings new instances); they are immutable,
/// and no more than <c>size / 32</c> of them are live. <see cref="HpackDynamicTable"/> keeps bytes instead, because the
/// decoder has no strings to keep, and has no lookup, because the decoder is told the index.</para>
/// <para>Entries are numbered in insertion order, so the newest is index 62 (§2.3.3) and entry n is
/// 62 + (newest - n). They sit in a ring of slots (n modulo the ring's length, a power of two no smaller than the
/// most entries the largest table holds), and each is chained from two hash buckets: one keyed by name and value, one
/// by name alone. A chain runs from newer to older numbers, so eviction unlinks nothing: a walk ends at the first
/// number below the oldest live one. Numbers are 64-bit so that they never wrap.</para>
/// </remarks>
internal sealed class HpackEncoderTable
{
    private const long None = -1;

    private readonly int _maxCapacity;
    private readonly Entry[] _entries;
    private readonly long[] _fieldBuckets;   // newest entry number per (name, value) hash
    private readonly long[] _nameBuckets;    // newest entry number per name hash
    private readonly int _slotMask;
    private readonly int _bucketMask;
    private long _next;      // the number the next entry gets
    private long _oldest;    // the oldest live entry's number; _next when the table is empty

    public HpackEncoderTable(int maxCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxCapacity);
        _maxCapacity = maxCapacity;
        Capacity = maxCapacity;

        // Each entry counts at least 32 towards the size, so no more than this many are live at once.
        var slots = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, maxCapacity / HpackDynamicTable.EntryOverhead));
        _entries = new Entry[slots];
        _slotMask = slots - 1;
        _fieldBuckets = new long[2 * slots];
        _nameBuckets = new long[2 * slots];
        _bucketMask = (2 * slots) - 1;
        Array.Fill(_fieldBuckets, None);
        Array.Fill(_nameBuckets, None);
    }

    /// <summary>The table's current maximum size: the last size update the encoder sent (or the initial 4096).</summary>
    public int Capacity { get; private set; }

    /// <summary>The sum of name + value + 32 over the entries.</summary>
    public int Size { get; private set; }

    public int Count => (int)(_next - _oldest);

    // string.GetHashCode() is the ordinal hash itself; GetHashCode(StringComparison.Ordinal) looked up a comparer per call.
    public static int HashName(string name) => name.GetHashCode();

    public static int HashField(int nameHash, string value) => HashCode.Combine(nameHash, value.GetHashCode());

    /// <summary>Sets the maximum size, evicting the oldest entries until the rest fit (RFC 7541 §4.3).</summary>
    public void Resize(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)capacity, (uint)_maxCapacity, nameof(capacity));
        Capacity = capacity;
        EvictUntil(capacity);
    }

    /// <summary>The index (62 and up) of the entry with this name and value, else 0.</summary>
    public int FindField(string name, string value, int nameHash, int fieldHash)
    {
        var number = _fieldBuckets[fieldHash & _bucketMask];
        while (number >= _oldest)
        {
            ref readonly var entry = ref _entries[(int)number & _slotMask];
            if (entry.FieldHash == fieldHash && string.Equals(entry.Name, name, StringComparison.Ordinal) && string.Equals(entry.Value, value, StringComparison.Ordinal))
            {
                return IndexOf(number);
            }

            number = entry.NextSameField;
        }

        return 0;
    }

    /// <summary>The index (62 and up) of the newest entry with this name, else 0.</summary>
    public int FindName(string name, int nameHash)
    {
        var number = _nameBuckets[nameHash & _bucketMask];
        while (number >= _oldest)
        {
            ref readonly var entry = ref _entries[(int)number & _slotMask];
            if (entry.NameHash == nameHash && string.Equals(entry.Name, name, StringComparison.Ordinal))
            {
                return IndexOf(number);
            }

            number = entry.NextSameName;
        }

        return 0;
    }

    /// <summary>
    /// Inserts a field as the newest entry, evicting the oldest as needed (RFC 7541 §4.4), as the peer's decoder does
    /// on a literal with incremental indexing: a field larger than the table empties it and is not inserted.
    /// </summary>
    public void Add(string name, string value, int nameHash, int fieldHash)
    {
        var size = (long)name.Length + value.Length + HpackDynamicTable.EntryOverhead;
        if (size > Capacity)
        {
            EvictUntil(0);
            return;
        }

        EvictUntil(Capacity - (int)size);
        var number = _next++;
        ref var fieldHead = ref _fieldBuckets[fieldHash & _bucketMask];
        ref var nameHead = ref _nameBuckets[nameHash & _bucketMask];
        _entries[(int)number & _slotMask] = new Entry(name, value, nameHash, fieldHash, fieldHead, nameHead);
        fieldHead = number;
        nameHead = number;
        Size += (int)size;
    }

    private int IndexOf(long number) => HpackStaticTable.Count + 1 + (int)(_next - 1 - number);

    private void EvictUntil(int size)
    {
        while (Size > size)
        {
            ref var entry = ref _entries[(int)_oldest & _slotMask];
            Size -= entry.Name.Length + entry.Value.Length + HpackDynamicTable.EntryOverhead;

            // Let the strings go now rather than when the slot is reused, which may be never.
            entry = default;
            _oldest++;
        }
    }

    // NextSameField and NextSameName: the next older entry in this entry's bucket of each kind, or a number no longer live.
    private readonly record struct Entry(string Name, string Value, int NameHash, int FieldHash, long NextSameField, long NextSameName);
}
