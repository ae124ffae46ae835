using MeshProxy.Observability;
using Microsoft.Extensions.Logging;

namespace MeshProxy.TrafficPolicy.Overload;

/// <summary>
/// Refuses new calls while the GC heap is close to its limit: Envoy's overload manager (a fixed-heap monitor driving
/// <c>stop_accepting_requests</c>) for the resource a .NET sidecar dies of. The limit is the GC's own
/// (<see cref="GCMemoryInfo.TotalAvailableMemoryBytes"/>: <c>DOTNET_GCHeapHardLimit</c>, or 75 % of the container's
/// memory limit), so a 128Mi pod stops taking calls at about 82 MiB rather than meet an <see cref="OutOfMemoryException"/>
/// in the forwarder's 64 KiB copy buffer or the upstream connection's header decoder, which fails every call on that
/// connection, and on a background thread, which ends the process. Calls in flight go on; refused callers get
/// UNAVAILABLE with <c>x-meshproxy-overloaded</c>, which a client may retry on another replica.
/// <para>
/// The reading is the heap as the last collection left it, taken again only when a collection has happened since
/// (<see cref="IHeapMeter.Collections"/>, a counter), so a call pays one comparison. Refusal starts above
/// <c>protection.maxHeapPercent</c> and stops below five points under it, so readings either side of the line do not
/// flap. While refusing, it induces a full collection at most every <see cref="CollectInterval"/>: only a full one
/// frees what ended streams left in gen2, and a sidecar with little traffic would otherwise go on refusing on an old
/// reading.
/// </para>
/// </summary>
internal sealed class HeapGuard(int maxHeapPercent, IHeapMeter meter, TimeProvider time, ILogger<HeapGuard> logger)
{
    public static readonly TimeSpan CollectInterval = TimeSpan.FromSeconds(1);

    /// <summary>Percentage points under <c>maxHeapPercent</c> the heap must fall to before calls are taken again.</summary>
    public const int ResumeMargin = 5;

    private readonly Lock _lock = new();
    private int _collections = -1;
    private long _lastCollect; // 0: never
    private volatile bool _refusing;
    private HeapUse _reading;
    private int _refused;

    /// <summary>100 turns the guard off: the GC would fail allocations before the heap got there.</summary>
    public bool Enabled => maxHeapPercent < 100;

    /// <summary>The reading the current decision rests on.</summary>
    public HeapUse Reading
    {
        get
        {
            lock (_lock)
            {
                return _reading;
            }
        }
    }

    /// <summary>True when a new call must be refused; counts it.</summary>
    public bool Refuse()
    {
        if (!Enabled)
        {
            return false;
        }

        if (meter.Collections != Volatile.Read(ref _collections))
        {
            Update(stale: false);
        }
        else if (_refusing && MayCollect())
        {
            Update(stale: true);
        }

        if (!_refusing)
        {
            return false;
        }

        Interlocked.Increment(ref _refused);
        return true;
    }

    private bool MayCollect()
    {
        var last = Volatile.Read(ref _lastCollect);
        return last == 0 || time.GetElapsedTime(last) >= CollectInterval;
    }

    private void Update(bool stale)
    {
        lock (_lock)
        {
            var collections = meter.Collections;
            if (!stale && collections == _collections)
            {
                return;
            }

            var reading = meter.Read();

            // A reading over the line may be garbage only a full collection frees (what ended streams left in gen2):
            // look again after one, at most once per interval, before refusing anyone on it.
            if (reading.Percent > maxHeapPercent && MayCollect())
            {
                meter.Collect();
                Volatile.Write(ref _lastCollect, time.GetTimestamp());
                collections = meter.Collections;
                reading = meter.Read();
            }

            Volatile.Write(ref _collections, collections);
            _reading = reading;
            if (!_refusing && reading.Percent > maxHeapPercent)
            {
                _refusing = true;
                OverloadLog.HeapRefusing(logger, reading.HeapBytes >> 20, reading.LimitBytes >> 20, maxHeapPercent);
            }
            else if (_refusing && reading.Percent < maxHeapPercent - ResumeMargin)
            {
                _refusing = false;
                OverloadLog.HeapAccepting(logger, reading.HeapBytes >> 20, reading.LimitBytes >> 20, Interlocked.Exchange(ref _refused, 0));
            }
        }
    }
}

/// <summary>The GC heap as its last collection left it, and the most it may grow to.</summary>
internal readonly record struct HeapUse(long HeapBytes, long LimitBytes)
{
    public double Percent => LimitBytes <= 0 ? 0 : 100.0 * HeapBytes / LimitBytes;
}

/// <summary>What <see cref="HeapGuard"/> reads, so tests can set the heap it sees.</summary>
internal interface IHeapMeter
{
    /// <summary>Collections so far (of any generation): a cheap counter that moves whenever the reading could have.</summary>
    int Collections { get; }

    HeapUse Read();

    /// <summary>A full, compacting collection.</summary>
    void Collect();
}

/// <summary>The process's own GC.</summary>
internal sealed class GcHeapMeter : IHeapMeter
{
    public int Collections => GC.CollectionCount(0);

    public HeapUse Read()
    {
        var info = GC.GetGCMemoryInfo();
        return new HeapUse(info.HeapSizeBytes, info.TotalAvailableMemoryBytes);
    }

    public void Collect() => GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
}
