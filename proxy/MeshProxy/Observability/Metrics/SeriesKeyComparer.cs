using System.Globalization;

namespace MeshProxy.Observability.Metrics;

/// <summary>
/// Compares series keys with each other and with the tags of a measurement. Tags are compared in order: our
/// recorders always pass the same labels in the same order, so a series is one (name, value) list.
/// </summary>
internal sealed class SeriesKeyComparer : IEqualityComparer<SeriesKey>, IAlternateEqualityComparer<TagSpan, SeriesKey>
{
    public static readonly SeriesKeyComparer Instance = new();

    public bool Equals(SeriesKey? x, SeriesKey? y)
    {
        if (ReferenceEquals(x, y))
        {
            return true;
        }

        if (x is null || y is null || x.Hash != y.Hash || x.Labels.Length != y.Labels.Length)
        {
            return false;
        }

        for (var i = 0; i < x.Labels.Length; i++)
        {
            if (!string.Equals(x.Labels[i].Key, y.Labels[i].Key, StringComparison.Ordinal)
                || !string.Equals(x.Labels[i].Value, y.Labels[i].Value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    public int GetHashCode(SeriesKey obj) => obj.Hash;

    public bool Equals(TagSpan alternate, SeriesKey other)
    {
        var tags = alternate.Tags;
        if (tags.Length != other.Labels.Length)
        {
            return false;
        }

        for (var i = 0; i < tags.Length; i++)
        {
            if (!string.Equals(tags[i].Key, other.Labels[i].Key, StringComparison.Ordinal)
                || !string.Equals(ValueOf(tags[i].Value), other.Labels[i].Value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    public int GetHashCode(TagSpan alternate)
    {
        var hash = new HashCode();
        foreach (var tag in alternate.Tags)
        {
            hash.Add(tag.Key, StringComparer.Ordinal);
            hash.Add(ValueOf(tag.Value), StringComparer.Ordinal);
        }

        return hash.ToHashCode();
    }

    public SeriesKey Create(TagSpan alternate)
    {
        var labels = new KeyValuePair<string, string>[alternate.Tags.Length];
        for (var i = 0; i < labels.Length; i++)
        {
            labels[i] = new(alternate.Tags[i].Key, ValueOf(alternate.Tags[i].Value));
        }

        return new SeriesKey(labels, GetHashCode(alternate));
    }

    // Our recorders pass strings (cached per value), so this allocates only for foreign tag types.
    private static string ValueOf(object? value) => value as string ?? Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty;
}
