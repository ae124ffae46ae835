using MeshProxy.Configuration;
using MeshProxy.TrafficPolicy.Retries;
using Microsoft.Extensions.Time.Testing;

namespace MeshProxy.Tests.TrafficPolicy.Retries;

/// <summary>The ratio half of the retry budget (Linkerd's shape) on a virtual clock: what a burst may spend, and when it is gone.</summary>
public sealed class RetryBudgetRatioTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-02T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    private RetryBudget Budget(double ratio = 0.2, int minRetriesPerSecond = 0, int minConcurrency = 3) =>
        new(new RetryBudgetConfig(20, minConcurrency) { Ratio = ratio, MinRetriesPerSecond = minRetriesPerSecond, Window = TimeSpan.FromSeconds(10) }, _time);

    [Fact]
    public void TryTake_BurstAfterTraffic_CapThenRatioCreditThenRefused()
    {
        var budget = Budget();
        for (var i = 0; i < 100; i++)
        {
            budget.Deposit();
        }

        // 30 failures at once with 30 calls active: the cap gives max(3, 6) = 6 slots, the 100 calls before the
        // burst bank 0.2 x 100 = 20 retries in all, so 14 more go on credit.
        var slots = 0;
        var granted = 0;
        for (var i = 0; i < 30; i++)
        {
            if (budget.TryTake(30, out var slot))
            {
                granted++;
                slots += slot ? 1 : 0;
            }
        }

        Assert.Equal(6, slots);
        Assert.Equal(20, granted);
        Assert.Equal(6, budget.InFlight);
    }

    [Fact]
    public void TryTake_NoTrafficBefore_OnlyTheCap()
    {
        var budget = Budget();

        var granted = Enumerable.Range(0, 10).Count(i => budget.TryTake(10, out _));

        Assert.Equal(3, granted);
    }

    [Fact]
    public void RatioCredit_AfterTheWindow_CallsAndRetriesForgotten()
    {
        var budget = Budget(minConcurrency: 0);
        for (var i = 0; i < 50; i++)
        {
            budget.Deposit();
        }

        Assert.True(budget.TryTake(0, out var slot));
        Assert.False(slot);
        Assert.Equal(9, budget.RatioCredit, precision: 6);

        // Still inside the window at 9.9 s; gone once every bucket has aged out.
        _time.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(9, budget.RatioCredit, precision: 6);
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(0, budget.RatioCredit, precision: 6);
        Assert.False(budget.TryTake(0, out _));
    }

    [Fact]
    public void RatioCredit_SlidingWindow_OldBucketsLeaveOneByOne()
    {
        var budget = Budget(ratio: 1, minConcurrency: 0);
        for (var second = 0; second < 10; second++)
        {
            budget.Deposit();
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        // One call in each of the last ten one-second buckets; the oldest has just left.
        Assert.Equal(9, budget.RatioCredit, precision: 6);
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(4, budget.RatioCredit, precision: 6);
    }

    [Fact]
    public void TryTake_MinRetriesPerSecond_CreditWithoutTraffic()
    {
        var budget = Budget(minRetriesPerSecond: 2, minConcurrency: 0);

        var granted = Enumerable.Range(0, 30).Count(i => budget.TryTake(0, out _));

        Assert.Equal(20, granted);
    }

    [Fact]
    public void TryTake_ConcurrentBurst_NeverMoreThanCapPlusCredit()
    {
        var budget = Budget(minConcurrency: 10);
        for (var i = 0; i < 500; i++)
        {
            budget.Deposit();
        }

        var granted = 0;
        Parallel.For(0, 1_000, i =>
        {
            if (budget.TryTake(0, out _))
            {
                Interlocked.Increment(ref granted);
            }
        });

        // Every retry made counts against the credit, the cap's too: 0.2 x 500 = 100 in all.
        Assert.Equal(100, granted);
    }
}
