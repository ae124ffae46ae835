namespace MeshProxy.Hosting;

/// <summary>
/// What <see cref="IdleHeapTrim"/> reads: bytes allocated since the process started, and the memory the GC held
/// committed at its last collection (the peak of a burst, until a trim replaces it).
/// </summary>
internal readonly record struct HeapReading(long AllocatedBytes, long CommittedBytes)
{
    public static HeapReading Now() => new(GC.GetTotalAllocatedBytes(), GC.GetGCMemoryInfo().TotalCommittedBytes);
}
