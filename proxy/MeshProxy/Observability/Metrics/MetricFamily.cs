using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace MeshProxy.Observability.Metrics;

/// <summary>The series of one instrument, and how to expose them.</summary>
internal sealed class MetricFamily
{
    private readonly ConcurrentDictionary<SeriesKey, MetricSeries> _series = new(SeriesKeyComparer.Instance);
    private readonly ConcurrentDictionary<SeriesKey, MetricSeries>.AlternateLookup<TagSpan> _lookup;

    public MetricFamily(Instrument instrument, MetricKind kind, RecordMode mode, double[] bounds)
    {
        Instrument = instrument;
        Kind = kind;
        Mode = mode;
        Bounds = bounds;
        IsObservable = instrument.IsObservable;
        _lookup = _series.GetAlternateLookup<TagSpan>();
    }

    public Instrument Instrument { get; }

    public string Name => Instrument.Name;

    public string Help => Instrument.Description ?? string.Empty;

    public MetricKind Kind { get; }

    public RecordMode Mode { get; }

    /// <summary>Histogram bucket upper bounds, ascending, without +Inf; empty for other kinds.</summary>
    public double[] Bounds { get; }

    /// <summary>Observed at scrape time: its series are rebuilt by every scrape, so a label set that went away disappears.</summary>
    public bool IsObservable { get; }

    public MetricSeries Series(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var key = new TagSpan(tags);
        if (_lookup.TryGetValue(key, out var series))
        {
            return series;
        }

        var created = SeriesKeyComparer.Instance.Create(key);
        return _series.GetOrAdd(created, static (k, count) => new MetricSeries(k, count), Bounds.Length);
    }

    public void Clear() => _series.Clear();

    public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var series = Series(tags);
        switch (Mode)
        {
            case RecordMode.Add:
                series.Add(value);
                break;
            case RecordMode.Set:
                series.Set(value);
                break;
            default:
                series.Observe(value, Bounds);
                break;
        }
    }

    /// <summary>The series in a stable order (by labels) so scrapes diff cleanly.</summary>
    public MetricSeries[] Snapshot()
    {
        var all = _series.Values.ToArray();
        Array.Sort(all, static (a, b) => Compare(a.Key, b.Key));
        return all;
    }

    private static int Compare(SeriesKey a, SeriesKey b)
    {
        var n = Math.Min(a.Labels.Length, b.Labels.Length);
        for (var i = 0; i < n; i++)
        {
            var c = string.CompareOrdinal(a.Labels[i].Key, b.Labels[i].Key);
            if (c == 0)
            {
                c = string.CompareOrdinal(a.Labels[i].Value, b.Labels[i].Value);
            }

            if (c != 0)
            {
                return c;
            }
        }

        return a.Labels.Length.CompareTo(b.Labels.Length);
    }
}
