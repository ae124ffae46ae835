using MeshProxy.Configuration.Reload;
using MeshProxy.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace MeshProxy.Tests.Configuration.Reload;

public sealed class ReloadTriggerTests
{
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(5);

    private readonly FakeTimeProvider _time = new();
    private int _checks;

    [Fact]
    public void Signal_Burst_ChecksOnceAfterQuietPeriod()
    {
        using var trigger = new ReloadTrigger(_time, Debounce, Poll, () => _checks++);

        for (var i = 0; i < 5; i++)
        {
            trigger.Signal();
            _time.Advance(TimeSpan.FromMilliseconds(150));
        }

        Assert.Equal(0, _checks);
        _time.Advance(TimeSpan.FromMilliseconds(49));
        Assert.Equal(0, _checks);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, _checks);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, _checks);
    }

    [Fact]
    public void Signal_TwoSeparateBursts_ChecksTwice()
    {
        using var trigger = new ReloadTrigger(_time, Debounce, Poll, () => _checks++);

        trigger.Signal();
        _time.Advance(TimeSpan.FromMilliseconds(300));
        trigger.Signal();
        _time.Advance(TimeSpan.FromMilliseconds(300));

        Assert.Equal(2, _checks);
    }

    [Fact]
    public void Poll_NoSignal_ChecksEveryInterval()
    {
        using var trigger = new ReloadTrigger(_time, Debounce, Poll, () => _checks++);

        _time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.Equal(0, _checks);
        _time.Advance(TimeSpan.FromSeconds(10.1));
        Assert.Equal(3, _checks);
    }

    [Fact]
    public void Poll_Infinite_NeverChecksWithoutSignal()
    {
        using var trigger = new ReloadTrigger(_time, Debounce, Timeout.InfiniteTimeSpan, () => _checks++);

        _time.Advance(TimeSpan.FromHours(1));

        Assert.Equal(0, _checks);
    }

    [Fact]
    public void Dispose_PendingSignal_NeverChecks()
    {
        var trigger = new ReloadTrigger(_time, Debounce, Poll, () => _checks++);
        trigger.Signal();

        trigger.Dispose();
        _time.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(0, _checks);
    }
}
