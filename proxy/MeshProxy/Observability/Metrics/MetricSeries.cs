namespace MeshProxy.Observability.Metrics;

/// <summary>
/// One time series. Recording is lock-free (Interlocked on longs, a compare-exchange loop on doubles); a scrape reads
/// the fields without stopping writers. A histogram's count is its cumulative +Inf bucket, so the exposition is
/// always self-consistent; its sum may lag a measurement in flight, as in any client library's scrape.
/// </summary>
internal sealed class MetricSeries
{
    private readonly long[]? _buckets;
    private double _value;

    public MetricSeries(SeriesKey key, int bucketCount)
    {
        Key = key;
        // Per-bucket (non-cumulative) counts, one more than the bounds for the +Inf bucket.
        _buckets = bucketCount > 0 ? new long[bucketCount + 1] : null;
    }

    public SeriesKey Key { get; }

    /// <summary>A counter's or gauge's value, or a histogram's sum.</summary>
    public double Value => Volatile.Read(ref _value);

    public void Add(double delta)
    {
        double current, next;
        do
        {
            current = Volatile.Read(ref _value);
            next = current + delta;
        }
        while (Interlocked.CompareExchange(ref _value, next, current) != current);
    }

    public void Set(double value) => Volatile.Write(ref _value, value);

    public void Observe(double value, double[] bounds)
    {
        // Bounds are upper-inclusive (Prometheus: le = "less than or equal").
        var index = bounds.Length;
        for (var i = 0; i < bounds.Length; i++)
        {
            if (value <= bounds[i])
            {
                index = i;
                break;
            }
        }

        Interlocked.Increment(ref _buckets![index]);
        Add(value);
    }

    /// <summary>Writes the cumulative bucket counts (the +Inf bucket, which is the total count, last).</summary>
    public void CopyCumulativeBuckets(Span<long> destination)
    {
        long running = 0;
        for (var i = 0; i < destination.Length; i++)
        {
            running += Volatile.Read(ref _buckets![i]);
            destination[i] = running;
        }
    }
}
