using MeshProxy.Observability;
using Microsoft.Extensions.Logging;

namespace MeshProxy.Hosting;

/// <summary>
/// Hands the GC heap back to the OS when the sidecar has nothing to do. The heap grows with traffic (the gen0 budget,
/// pooled and in-flight buffers: ~20 MiB after a saturating unary run, ~60 MiB after 1,000 streams) and only a
/// collection releases it, which only allocation brings: a sidecar whose traffic stopped would keep its peak for good,
/// and one just started the garbage of its start-up. So <c>meshproxy run</c> trims once at start, then looks every
/// <see cref="Interval"/> and trims again once traffic has come and gone: less than <see cref="QuietBytes"/> allocated
/// since the last look, at least <see cref="Churn"/> since the last trim, and the GC holding at least
/// <see cref="Slack"/> more than after it. A trim drops the pooled buffers nothing uses
/// (<paramref name="releaseSpareBuffers"/>), then makes one aggressive collection, which compacts and decommits at
/// once (a plain full collection would keep the freed regions committed: docs/benchmarks.md, "The shipped build's
/// resident memory, idle and after load"), and last unmaps the executable's pages that start-up or the burst read
/// (<see cref="ExecutablePages"/>), after the collection, whose stack walks read some of them.
/// </summary>
internal sealed class IdleHeapTrim(
    TimeProvider time,
    ILogger logger,
    Action releaseSpareBuffers,
    Func<HeapReading>? read = null,
    Action? collect = null,
    Func<long>? unmapExecutable = null)
{
    /// <summary>
    /// A second: the heap a burst grew is given back a second or two after it ends, not five or ten later (a look is a
    /// counter read; the cost is the trim's pause, which <see cref="Churn"/> keeps rare).
    /// </summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Allocated between two looks below which the sidecar counts as idle: a few dozen calls (a call allocates ~7 KB),
    /// well above what an idle sidecar's health checks allocate in a second (50–90 KB on the bench config).
    /// </summary>
    public const long QuietBytes = 256 * 1024;

    /// <summary>
    /// Allocated since the last trim before another: about 2,000 calls. It bounds the pauses a trickle of calls under
    /// <see cref="QuietBytes"/> can bring to one per 16 MiB it allocates (an idle sidecar's health checks: one every
    /// 3–6 minutes, when the heap has grown by <see cref="Slack"/>), while any burst worth giving back passes it.
    /// </summary>
    public const long Churn = 16 * 1024 * 1024;

    /// <summary>
    /// How much more than after the last trim the GC must hold for another to be worth its pause: one 4 MiB gen0 budget
    /// (the image's). It was 16 MiB, the heap's growth itself standing in for <see cref="Churn"/>: a burst that left the
    /// GC holding 14 MiB more was then kept for good, 53 MiB of RSS instead of 39 after the saturating run.
    /// </summary>
    public const long Slack = 4 * 1024 * 1024;

    private readonly Func<HeapReading> _read = read ?? HeapReading.Now;
    private readonly Action _collect = collect ?? (() => GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true));
    private readonly Func<long> _unmapExecutable = unmapExecutable ?? ExecutablePages.ReleaseOwn;
    private HeapReading _afterTrim;

    public static bool ShouldTrim(long allocatedSinceLastLook, long allocatedSinceTrim, long committed, long committedAfterTrim) =>
        allocatedSinceLastLook < QuietBytes && allocatedSinceTrim >= Churn && committed - committedAfterTrim >= Slack;

    /// <summary>Trims now; returns how many bytes of the executable's pages left the resident set.</summary>
    public long Trim()
    {
        releaseSpareBuffers();
        _collect();
        var unmapped = _unmapExecutable();
        _afterTrim = _read();
        return unmapped;
    }

    /// <summary>Looks every <see cref="Interval"/> until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        var allocated = _read().AllocatedBytes;
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                var now = _read();
                if (ShouldTrim(now.AllocatedBytes - allocated, now.AllocatedBytes - _afterTrim.AllocatedBytes, now.CommittedBytes, _afterTrim.CommittedBytes))
                {
                    var unmapped = Trim();
                    HostingLog.HeapTrimmed(logger, now.CommittedBytes >> 20, _afterTrim.CommittedBytes >> 20, unmapped >> 20);
                    now = _read();
                }

                allocated = now.AllocatedBytes;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}
