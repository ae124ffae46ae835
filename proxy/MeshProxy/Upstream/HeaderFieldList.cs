namespace MeshProxy.Upstream;

/// <summary>
/// A response's header or trailer fields in the order they arrived, kept by the lean client for a call that forwards
/// them itself (<see cref="Http2ResponseContent.Fields"/>): one value per field, names as the server sent them (HTTP/2
/// requires lower case; a server that breaks that is read case-insensitively, as HttpHeaders reads it).
/// </summary>
internal sealed class HeaderFieldList
{
    private HeaderField[] _fields;
    private int _count;

    /// <param name="capacity">Fields before the first growth: a gRPC reply has a few headers and fewer trailers.</param>
    public HeaderFieldList(int capacity = 8) => _fields = new HeaderField[capacity];

    public ReadOnlySpan<HeaderField> Fields => _fields.AsSpan(0, _count);

    public void Add(string name, string value)
    {
        if (_count == _fields.Length)
        {
            Array.Resize(ref _fields, _count * 2);
        }

        _fields[_count++] = new HeaderField(name, value);
    }

    /// <summary>The first value of <paramref name="name"/>, or null.</summary>
    public string? First(string name)
    {
        foreach (ref readonly var field in Fields)
        {
            if (string.Equals(field.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return field.Value;
            }
        }

        return null;
    }

    /// <summary>Every value of <paramref name="name"/>, joined by commas; null when absent.</summary>
    public string? Joined(string name)
    {
        string? joined = null;
        foreach (ref readonly var field in Fields)
        {
            if (string.Equals(field.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                joined = joined is null ? field.Value : $"{joined},{field.Value}";
            }
        }

        return joined;
    }
}
