namespace MeshProxy.Observability.Metrics;

/// <summary>What a measurement does to its series.</summary>
internal enum RecordMode
{
    /// <summary>Counter and UpDownCounter: the value is a delta.</summary>
    Add,

    /// <summary>Observable instruments and Gauge: the value is the current value (cumulative for observable counters).</summary>
    Set,

    /// <summary>Histogram: the value is one observation.</summary>
    Observe,
}
