using System.Collections;

namespace MeshProxy.Grpc;

/// <summary>
/// Ordered custom metadata of a call: request headers, response headers or trailers. Keys are lowercased on add.
/// Headers the protocol itself defines (pseudo-headers, content-type, te, user-agent, host and every grpc-* name)
/// are never metadata: adding one is refused, and they are filtered out when reading HTTP headers.
/// </summary>
public sealed class Metadata : IReadOnlyList<MetadataEntry>
{
    private readonly List<MetadataEntry> _entries = [];

    public int Count => _entries.Count;

    public MetadataEntry this[int index] => _entries[index];

    public Metadata Add(string key, string value)
    {
        _entries.Add(new MetadataEntry(key, value));
        return this;
    }

    public Metadata Add(string key, byte[] value)
    {
        _entries.Add(new MetadataEntry(key, value));
        return this;
    }

    public Metadata Add(MetadataEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        _entries.Add(entry);
        return this;
    }

    /// <summary>The last entry with this key, or null.</summary>
    public MetadataEntry? Get(string key)
    {
        for (var i = _entries.Count - 1; i >= 0; i--)
        {
            if (string.Equals(_entries[i].Key, key, StringComparison.OrdinalIgnoreCase))
            {
                return _entries[i];
            }
        }

        return null;
    }

    /// <summary>The text value of the last entry with this key, or null.</summary>
    public string? GetValue(string key) => Get(key)?.Value;

    /// <summary>The bytes of the last entry with this key, or null.</summary>
    public byte[]? GetValueBytes(string key) => Get(key)?.ValueBytes;

    /// <summary>Every entry with this key, in order.</summary>
    public IEnumerable<MetadataEntry> GetAll(string key) =>
        _entries.Where(e => string.Equals(e.Key, key, StringComparison.OrdinalIgnoreCase));

    public bool Remove(MetadataEntry entry) => _entries.Remove(entry);

    public void Clear() => _entries.Clear();

    public IEnumerator<MetadataEntry> GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    internal static string NormalizeKey(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var normalized = key.ToLowerInvariant();
        foreach (var c in normalized)
        {
            // Header-Name → 1*( %x30-39 / %x61-7A / "_" / "-" / "." )
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'z') or '_' or '-' or '.'))
            {
                throw new ArgumentException($"Metadata key '{key}' may hold only 0-9, a-z, '_', '-' and '.'.", nameof(key));
            }
        }

        if (GrpcProtocol.IsReservedHeader(normalized))
        {
            throw new ArgumentException($"'{normalized}' is reserved by the gRPC protocol and cannot be metadata.", nameof(key));
        }

        return normalized;
    }
}
