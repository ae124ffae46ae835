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
        var time = new FakeTimeProvider();
        var heap = new ScriptedHeap { Allocated = 100 * MiB, Committed = 30 * MiB };
        var trim = new IdleHeapTrim(time, NullLogger.Instance, heap.ReleaseSpareBuffers, heap.Read, heap.Collect);
        trim.Trim();
        using var stop = new CancellationTokenSource();
        var running = trim.RunAsync(stop.Token);
        await heap.ReadsReach(2).DefaultTimeout();

        // A quiet sidecar's trickle: under QuietBytes a second, with the heap holding a gen0 budget more than after the trim.
        const long perSecond = IdleHeapTrim.QuietBytes / 2;
        heap.Committed = 8 * MiB + IdleHeapTrim.Slack;
        var ticks = (int)(IdleHeapTrim.Churn / perSecond);
        for (var tick = 1; tick < ticks; tick++)
        {
            heap.Allocated += perSecond;
            time.Advance(IdleHeapTrim.Interval);
            await heap.ReadsReach(2 + tick).DefaultTimeout();
        }

        Assert.Equal(1, heap.Collections);

        // The tick that brings the allocations since the trim to Churn trims (its look, the trim's and the next).
        heap.Allocated += perSecond;
        time.Advance(IdleHeapTrim.Interval);
        await heap.ReadsReach(2 + ticks + 2).DefaultTimeout();
        Assert.Equal(2, heap.Collections);

        await stop.CancelAsync();
        await running.DefaultTimeout();
    }

    [Fact]
    public async Task RunAsync_TrimsOnceWhenTrafficStops_NotWhileBusyNorAgainWhileIdle()
    {
        var time = new FakeTimeProvider();
        var heap = new ScriptedHeap { Allocated = 100 * MiB, Committed = 30 * MiB };
        var trim = new IdleHeapTrim(time, NullLogger.Instance, heap.ReleaseSpareBuffers, heap.Read, heap.Collect);
        trim.Trim();
        Assert.Equal(1, heap.Collections);
        Assert.Equal(["release", "collect"], heap.Steps);

        using var stop = new CancellationTokenSource();
        var running = trim.RunAsync(stop.Token);
        await heap.ReadsReach(2).DefaultTimeout();

        // Busy: 50 MiB allocated in the interval, the heap grown to 90 MiB.
        heap.Allocated += 50 * MiB;
        heap.Committed = 90 * MiB;
        time.Advance(IdleHeapTrim.Interval);
        await heap.ReadsReach(3).DefaultTimeout();
        Assert.Equal(1, heap.Collections);

        // Traffic stopped: one trim, which gives the memory back.
        heap.Allocated += 4096;
        time.Advance(IdleHeapTrim.Interval);
        await heap.ReadsReach(6).DefaultTimeout();
        Assert.Equal(2, heap.Collections);

        // Still idle, nothing more to give back: no further collection.
        time.Advance(IdleHeapTrim.Interval);
        await heap.ReadsReach(7).DefaultTimeout();
        time.Advance(IdleHeapTrim.Interval);
        await heap.ReadsReach(8).DefaultTimeout();
        Assert.Equal(2, heap.Collections);
        Assert.Equal(["release", "collect", "release", "collect"], heap.Steps);

        await stop.CancelAsync();
        await running.DefaultTimeout();
    }

    private sealed class ScriptedHeap
    {
        private readonly SemaphoreSlim _read = new(0);
        private int _reads;

        public long Allocated { get; set; }

        public long Committed { get; set; }

        public int Collections { get; private set; }

        /// <summary>What each trim did, in order: the spare buffers must be dropped before the collection that frees them.</summary>
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

        public async Task ReadsReach(int count)
        {
            while (Volatile.Read(ref _reads) < count)
            {
                await _read.WaitAsync();
            }
        }
    }
}
