using Prometheus;

namespace MeshProxy.Observability.Metrics;

/// <summary>
/// A labelled gauge read from live state at each scrape (weights, endpoints, in-flight calls, the live config): every
/// scrape sets the label sets the state has now and removes those it no longer has, so a route or destination that a
/// reload dropped disappears from the exposition instead of keeping its last value. Scrapes take turns (the caller
/// holds a lock), so a series is never removed while another scrape sets it.
/// </summary>
internal sealed class LiveGauge(Gauge gauge)
{
    private readonly HashSet<string[]> _seen = new(LabelValuesComparer.Instance);

    /// <summary>Starts a scrape's update.</summary>
    public void Begin() => _seen.Clear();

    public void Set(double value, params ReadOnlySpan<string> labels)
    {
        var child = gauge.WithLabels(labels);
        child.Set(value);
        _seen.Add(labels.ToArray());
    }

    /// <summary>Ends a scrape's update: label sets not set since <see cref="Begin"/> are removed.</summary>
    public void End()
    {
        foreach (var labels in gauge.GetAllLabelValues())
        {
            if (!_seen.Contains(labels))
            {
                gauge.RemoveLabelled(labels);
            }
        }
    }

    private sealed class LabelValuesComparer : IEqualityComparer<string[]>
    {
        public static readonly LabelValuesComparer Instance = new();

        public bool Equals(string[]? x, string[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(string[] obj)
        {
            var hash = new HashCode();
            foreach (var value in obj)
            {
                hash.Add(value, StringComparer.Ordinal);
            }

            return hash.ToHashCode();
        }
    }
}
