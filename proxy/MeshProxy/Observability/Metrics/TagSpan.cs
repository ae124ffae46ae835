namespace MeshProxy.Observability.Metrics;

/// <summary>The tags of one measurement, as the MeterListener hands them over; the alternate key of a series.</summary>
internal readonly ref struct TagSpan(ReadOnlySpan<KeyValuePair<string, object?>> tags)
{
    public ReadOnlySpan<KeyValuePair<string, object?>> Tags { get; } = tags;
}
