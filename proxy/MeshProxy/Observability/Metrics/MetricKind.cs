namespace MeshProxy.Observability.Metrics;

/// <summary>How an instrument is exposed to Prometheus.</summary>
internal enum MetricKind
{
    /// <summary>Monotonic; exposed with the <c>_total</c> suffix.</summary>
    Counter,

    /// <summary>A value that goes up and down, or is observed at scrape time.</summary>
    Gauge,

    /// <summary>A gauge named <c>*_info</c> whose labels carry the information and whose value is 1 (OpenMetrics <c>info</c>).</summary>
    Info,

    /// <summary>Cumulative buckets with <c>_bucket{le}</c>, <c>_sum</c> and <c>_count</c>.</summary>
    Histogram,
}
