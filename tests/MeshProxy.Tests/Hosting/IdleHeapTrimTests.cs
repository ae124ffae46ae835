using MeshProxy.Hosting;
using MeshProxy.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace MeshProxy.Tests.Hosting;

/// <summary>When the idle trim collects, in virtual time, against a scripted heap.</summary>
public sealed class IdleHeapTrimTests
{
    private const long MiB = 1024 * 1024;

    [Theory]
    [InlineData(0, 50 * MiB, 60, 8, true)]                              // nothing allocated, 52 MiB to give back
    [InlineData(IdleHeapTrim.QuietBytes - 1, 50 * MiB, 60, 8, true)]
    [InlineData(IdleHeapTrim.QuietBytes, 50 * MiB, 60, 8, false)]      // still serving
    [InlineData(0, 50 * MiB, 22, 8, true)]                              // a burst that left 14 MiB more (once kept for good)
    [InlineData(0, 50 * MiB, 11, 8, false)]                             // idle, but too little held to be worth a pause
    [InlineData(0, 50 * MiB, 12, 8, true)]
    [InlineData(0, IdleHeapTrim.Churn - 1, 60, 8, false)]               // a trickle since the last trim, not yet a burst
    [InlineData(0, IdleHeapTrim.Churn, 60, 8, true)]
    public void ShouldTrim_OnlyWhenQuietAfterChurnAndHoldingSlackAboveTheLastTrim(long allocated, long sinceTrim, long committedMiB, long afterTrimMiB, bool expected) =>
        Assert.Equal(expected, IdleHeapTrim.ShouldTrim(allocated, sinceTrim, committedMiB * MiB, afterTrimMiB * MiB));

    [Fact]
    public async Task RunAsync_TrickleUnderQuietBytes_TrimsOncePerChurnAllocated()
    {
        await using var run = await TrimRun.StartAsync();
        var heap = run.Heap;

        // A quiet sidecar's trickle: under QuietBytes a second, with the heap holding a gen0 budget more than after the trim.
        const long perSecond = IdleHeapTrim.QuietBytes / 2;
        heap.Committed = 8 * MiB + IdleHeapTrim.Slack;
        var ticks = (int)(IdleHeapTrim.Churn / perSecond);
        for (var tick = 1; tick < ticks; tick++)
        {
            heap.Allocated += perSecond;
            await run.TickAsync(readsAfter: 2 + tick);
        }

        Assert.Equal(1, heap.Collections);

        // The tick that brings the allocations since the trim to Churn trims (its look, the trim's and the next).
        heap.Allocated += perSecond;
        await run.TickAsync(readsAfter: 2 + ticks + 2);
        Assert.Equal(2, heap.Collections);
    }

    [Fact]
    public async Task RunAsync_TrimsOnceWhenTrafficStops_NotWhileBusyNorAgainWhileIdle()
    {
        await using var run = await TrimRun.StartAsync();
        var heap = run.Heap;
        Assert.Equal(1, heap.Collections);
        Assert.Equal(["release", "collect", "unmap"], heap.Steps);

        // Busy: 50 MiB allocated in the interval, the heap grown to 90 MiB.
        heap.Allocated += 50 * MiB;
        heap.Committed = 90 * MiB;
        await run.TickAsync(readsAfter: 3);
        Assert.Equal(1, heap.Collections);

        // Traffic stopped: one trim, which gives the memory back.
        heap.Allocated += 4096;
        await run.TickAsync(readsAfter: 6);
        Assert.Equal(2, heap.Collections);

        // Still idle, nothing more to give back: no further collection.
        await run.TickAsync(readsAfter: 7);
        await run.TickAsync(readsAfter: 8);
        Assert.Equal(2, heap.Collections);
        Assert.Equal(["release", "collect", "unmap", "release", "collect", "unmap"], heap.Steps);
    }

    /// <summary>A trim that has trimmed once, as at start, and then looks in virtual time until disposed.</summary>
    private sealed class TrimRun : IAsyncDisposable
    {
        private readonly FakeTimeProvider _time = new();
        private readonly CancellationTokenSource _stop = new();
        private Task _running = Task.CompletedTask;

        public ScriptedHeap Heap { get; } = new() { Allocated = 100 * MiB, Committed = 30 * MiB };

        public static async Task<TrimRun> StartAsync()
        {
            var run = new TrimRun();
            var trim = new IdleHeapTrim(run._time, NullLogger.Instance, run.Heap.ReleaseSpareBuffers, run.Heap.Read, run.Heap.Collect, run.Heap.UnmapExecutable);
            trim.Trim();
            run._running = trim.RunAsync(run._stop.Token);
            await run.Heap.ReadsReach(2).DefaultTimeout();
            return run;
        }

        /// <summary>One interval passes; returns once the heap has been read <paramref name="readsAfter"/> times in all.</summary>
        public Task TickAsync(int readsAfter)
        {
            _time.Advance(IdleHeapTrim.Interval);
            return Heap.ReadsReach(readsAfter).DefaultTimeout();
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _running.DefaultTimeout();
            _stop.Dispose();
        }
    }

    private sealed class ScriptedHeap
    {
        private readonly SemaphoreSlim _read = new(0);
        private int _reads;

        public long Allocated { get; set; }

        public long Committed { get; set; }

        public int Collections { get; private set; }

        /// <summary>
        /// What each trim did, in order: the spare buffers dropped before the collection that frees them, the
        /// executable unmapped after the collection, whose stack walks read some of its pages.
        /// </summary>
        public List<string> Steps { get; } = [];

        public HeapReading Read()
        {
            Interlocked.Increment(ref _reads);
            _read.Release();
            return new HeapReading(Allocated, Committed);
        }

        // A collection leaves the live 8 MiB committed.
        public void Collect()
        {
            Steps.Add("collect");
            Collections++;
            Committed = 8 * MiB;
        }

        public void ReleaseSpareBuffers() => Steps.Add("release");

        public long UnmapExecutable()
        {
            Steps.Add("unmap");
            return 0;
        }

        public async Task ReadsReach(int count)
        {
            while (Volatile.Read(ref _reads) < count)
            {
                await _read.WaitAsync();
            }
        }
    }
}
