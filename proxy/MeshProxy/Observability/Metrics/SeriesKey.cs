namespace MeshProxy.Observability.Metrics;

/// <summary>
/// The labels of one time series, in the order the recorder gave them, with the hash computed once. A measurement
/// finds its series through <see cref="SeriesKeyComparer"/>'s alternate lookup on the tag span, so a hit allocates nothing.
/// </summary>
internal sealed class SeriesKey
{
    public SeriesKey(KeyValuePair<string, string>[] labels, int hash)
    {
        Labels = labels;
        Hash = hash;
    }

    public KeyValuePair<string, string>[] Labels { get; }

    public int Hash { get; }
}
