using MeshProxy.Configuration;
using MeshProxy.TrafficPolicy.Retries;

namespace MeshProxy.Tests.TrafficPolicy.Retries;

public sealed class RetryBudgetTests
{
    [Theory]
    [InlineData(0, 3)]
    [InlineData(10, 3)]
    [InlineData(15, 3)]
    [InlineData(20, 4)]
    [InlineData(200, 40)]
    public void Limit_IsTheLargerOfMinimumAndShareOfActive(int active, int expected) =>
        Assert.Equal(expected, new RetryBudget(new RetryBudgetConfig(20, 3)).Limit(active));

    [Fact]
    public void TryAcquire_UpToTheLimit_ThenRefusesUntilARelease()
    {
        var budget = new RetryBudget(new RetryBudgetConfig(20, 3));

        Assert.True(budget.TryAcquire(10));
        Assert.True(budget.TryAcquire(10));
        Assert.True(budget.TryAcquire(10));
        Assert.False(budget.TryAcquire(10));
        Assert.True(budget.TryAcquire(20));
        Assert.False(budget.TryAcquire(20));
        Assert.Equal(4, budget.InFlight);

        budget.Release();
        Assert.True(budget.TryAcquire(20));
    }

    [Fact]
    public void TryAcquire_Concurrent_NeverExceedsTheLimit()
    {
        var budget = new RetryBudget(new RetryBudgetConfig(10, 0));
        var granted = 0;

        Parallel.For(0, 10_000, _ =>
        {
            if (budget.TryAcquire(500))
            {
                Interlocked.Increment(ref granted);
            }
        });

        Assert.Equal(50, granted);
        Assert.Equal(50, budget.InFlight);
    }

    [Theory]
    [InlineData("ConnectFailure", false)]
    [InlineData("RefusedStream", false)]
    [InlineData("Reset", true)]
    [InlineData(null, true)]
    public void TakesSlot_OnlyWhenTheFailedAttemptMayHaveReachedAServer(string? failure, bool expected) =>
        Assert.Equal(expected, RetryBudget.TakesSlot(failure is null ? null : Enum.Parse<RetryOn>(failure)));
}
