using System.Diagnostics.Metrics;

namespace MeshProxy.Observability.Metrics;

/// <summary>
/// Aggregates the measurements of one <see cref="Meter"/> for the Prometheus exposition. A MeterListener enables
/// only that meter's instruments (several sidecars may share a process in tests, each with its own meter), and each
/// measurement goes straight to its series: a lock-free dictionary hit on the tags, then one interlocked update.
/// Observable instruments are called back at scrape time only.
/// </summary>
internal sealed class MetricsCollector : IDisposable
{
    // Prometheus client defaults, for a histogram that gives no bucket advice.
    private static readonly double[] DefaultBounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly MeterListener _listener;
    private readonly List<MetricFamily> _families = [];
    private readonly Lock _scrape = new();

    public MetricsCollector(Meter meter)
    {
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter, meter))
                {
                    var family = Create(instrument);
                    lock (_families)
                    {
                        _families.Add(family);
                    }

                    listener.EnableMeasurementEvents(instrument, family);
                }
            },
        };
        _listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.Start();
    }

    /// <summary>
    /// Takes a consistent view for one scrape: observable instruments are observed afresh, then
    /// <paramref name="write"/> runs under the scrape lock (concurrent scrapes take turns).
    /// </summary>
    public T Scrape<T>(Func<IReadOnlyList<MetricFamily>, T> write)
    {
        lock (_scrape)
        {
            MetricFamily[] families;
            lock (_families)
            {
                families = [.. _families];
            }

            foreach (var family in families)
            {
                if (family.IsObservable)
                {
                    family.Clear();
                }
            }

            _listener.RecordObservableInstruments();
            return write(families);
        }
    }

    public void Dispose() => _listener.Dispose();

    private static MetricFamily Create(Instrument instrument)
    {
        var type = instrument.GetType();
        var generic = type.IsGenericType ? type.GetGenericTypeDefinition() : type;
        if (generic == typeof(Histogram<>))
        {
            var bounds = instrument switch
            {
                Histogram<double> { Advice.HistogramBucketBoundaries: { } advice } => advice.ToArray(),
                Histogram<long> { Advice.HistogramBucketBoundaries: { } advice } => advice.Select(b => (double)b).ToArray(),
                _ => DefaultBounds,
            };
            return new MetricFamily(instrument, MetricKind.Histogram, RecordMode.Observe, bounds);
        }

        var kind = generic == typeof(Counter<>) || generic == typeof(ObservableCounter<>) ? MetricKind.Counter
            : instrument.Name.EndsWith("_info", StringComparison.Ordinal) ? MetricKind.Info
            : MetricKind.Gauge;
        var mode = generic == typeof(Counter<>) || generic == typeof(UpDownCounter<>) ? RecordMode.Add : RecordMode.Set;
        return new MetricFamily(instrument, kind, mode, []);
    }
}
