using MeshProxy.TrafficPolicy.Overload;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace MeshProxy.Tests.TrafficPolicy.Overload;

/// <summary>The heap guard's decisions against a heap whose readings the test sets, in virtual time.</summary>
public sealed class HeapGuardTests
{
    private const long MiB = 1024 * 1024;
    private readonly FakeTimeProvider _time = new();
    private readonly ScriptedHeap _heap = new(limit: 100 * MiB);

    [Fact]
    public void Refuse_HeapUnderTheLine_Admits()
    {
        var guard = Guard(90);
        _heap.AfterGc(89 * MiB);

        Assert.False(guard.Refuse());
        Assert.Equal(0, _heap.Induced);
    }

    [Fact]
    public void Refuse_OverTheLineAndAFullCollectionDoesNotHelp_RefusesUntilFiveUnder()
    {
        var guard = Guard(90);
        _heap.AfterGc(95 * MiB);
        _heap.AfterFullGc = 93 * MiB;

        Assert.True(guard.Refuse());
        Assert.Equal(1, _heap.Induced);
        Assert.Equal(93 * MiB, guard.Reading.HeapBytes);

        // Under the line but within the margin: still refusing (no flapping on readings either side of it).
        _heap.AfterGc(88 * MiB);
        Assert.True(guard.Refuse());

        _heap.AfterGc(84 * MiB);
        Assert.False(guard.Refuse());
    }

    [Fact]
    public void Refuse_OverTheLineButGarbage_AFullCollectionFreesItAndTheCallIsAdmitted()
    {
        var guard = Guard(90);
        _heap.AfterGc(95 * MiB);
        _heap.AfterFullGc = 40 * MiB;

        Assert.False(guard.Refuse());
        Assert.Equal(1, _heap.Induced);
    }

    [Fact]
    public void Refuse_NoCollectionSinceTheLastLook_ReadsNothing()
    {
        var guard = Guard(90);
        _heap.AfterGc(50 * MiB);
        Assert.False(guard.Refuse());
        var reads = _heap.Reads;

        for (var i = 0; i < 100; i++)
        {
            Assert.False(guard.Refuse());
        }

        Assert.Equal(reads, _heap.Reads);
    }

    [Fact]
    public void Refuse_RefusingWithNoCollectionSince_InducesOneAtMostEverySecondAndResumesWhenItFrees()
    {
        var guard = Guard(90);
        _heap.AfterGc(95 * MiB);
        _heap.AfterFullGc = 95 * MiB;
        Assert.True(guard.Refuse());
        Assert.Equal(1, _heap.Induced);

        // A quiet sidecar: no collection of its own. Within the second, no second induced one.
        _time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.True(guard.Refuse());
        Assert.Equal(1, _heap.Induced);

        // The streams ended meanwhile: the next induced collection finds the heap freed.
        _heap.AfterFullGc = 30 * MiB;
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(guard.Refuse());
        Assert.Equal(2, _heap.Induced);
    }

    [Fact]
    public void Refuse_OneHundredPercent_Off()
    {
        var guard = Guard(100);
        _heap.AfterGc(100 * MiB);

        Assert.False(guard.Enabled);
        Assert.False(guard.Refuse());
        Assert.Equal(0, _heap.Reads);
    }

    [Fact]
    public void Refuse_RealGc_ReadsTheProcessHeapAgainstItsLimit()
    {
        var meter = new GcHeapMeter();

        var use = meter.Read();

        Assert.True(use.HeapBytes > 0);
        Assert.True(use.LimitBytes > use.HeapBytes);
        var before = meter.Collections;
        meter.Collect();
        Assert.True(meter.Collections > before);
    }

    private HeapGuard Guard(int percent) => new(percent, _heap, _time, NullLogger<HeapGuard>.Instance);

    /// <summary>A heap whose next reading the test sets; a collection it induces leaves <see cref="AfterFullGc"/>.</summary>
    private sealed class ScriptedHeap(long limit) : IHeapMeter
    {
        private long _heap;

        public long AfterFullGc { get; set; }

        public int Collections { get; private set; }

        public int Induced { get; private set; }

        public int Reads { get; private set; }

        public void AfterGc(long heap)
        {
            _heap = heap;
            Collections++;
        }

        public HeapUse Read()
        {
            Reads++;
            return new HeapUse(_heap, limit);
        }

        public void Collect()
        {
            Induced++;
            AfterGc(AfterFullGc);
        }
    }
}
