using System.Collections.Immutable;
using MeshProxy.Configuration;
using MeshProxy.Grpc;
using MeshProxy.TrafficPolicy.Retries;

namespace MeshProxy.Tests.TrafficPolicy.Retries;

public sealed class RetryPolicyTests
{
    private static RetryPolicy Policy(int baseMs, int maxMs, params string[] retryOn) => new(RetryPolicyConfig.Default with
    {
        BackoffBase = TimeSpan.FromMilliseconds(baseMs),
        BackoffMax = TimeSpan.FromMilliseconds(maxMs),
        RetryOn = retryOn.Length == 0 ? RetryPolicyConfig.DefaultRetryOn : new(retryOn.ToImmutableArray()),
    });

    [Theory]
    [InlineData(1, 100)]
    [InlineData(2, 200)]
    [InlineData(3, 400)]
    [InlineData(4, 800)]
    [InlineData(5, 1000)]
    [InlineData(60, 1000)]
    public void Backoff_HighestDraw_IsTheExponentialCapBoundedByMax(int retry, int expectedCapMs)
    {
        var policy = Policy(100, 1000);

        // Full jitter: the draw scales the cap min(max, base * 2^(retry-1)); a draw of 1 would be the cap itself.
        Assert.Equal(TimeSpan.FromMilliseconds(expectedCapMs), policy.Backoff(retry, new FixedRandom(1.0)));
        Assert.Equal(TimeSpan.Zero, policy.Backoff(retry, new FixedRandom(0.0)));
        Assert.Equal(TimeSpan.FromMilliseconds(expectedCapMs / 2.0), policy.Backoff(retry, new FixedRandom(0.5)));
    }

    [Fact]
    public void Backoff_SeededDraws_SpreadOverTheWholeRange()
    {
        var policy = Policy(100, 1000);
        var random = new Random(42);

        var draws = Enumerable.Range(0, 1000).Select(_ => policy.Backoff(3, random).TotalMilliseconds).ToArray();

        Assert.All(draws, d => Assert.InRange(d, 0, 400));
        Assert.Contains(draws, d => d < 40);
        Assert.Contains(draws, d => d > 360);
    }

    [Theory]
    [InlineData(StatusCode.Unavailable, true)]
    [InlineData(StatusCode.Internal, false)]
    [InlineData(StatusCode.DeadlineExceeded, false)]
    [InlineData(StatusCode.OK, false)]
    public void RetriesStatus_Defaults_OnlyUnavailable(StatusCode status, bool expected) =>
        Assert.Equal(expected, Policy(25, 250).RetriesStatus(status));

    [Fact]
    public void RetriesStatus_EveryStatusName_MapsToItsCode()
    {
        var policy = Policy(25, 250, "cancelled", "deadline-exceeded", "internal", "resource-exhausted", "unavailable");

        Assert.All([StatusCode.Cancelled, StatusCode.DeadlineExceeded, StatusCode.Internal, StatusCode.ResourceExhausted, StatusCode.Unavailable], s => Assert.True(policy.RetriesStatus(s)));
        Assert.False(policy.RetriesStatus(StatusCode.Unknown));
        Assert.False(policy.Retries(RetryOn.ConnectFailure));
    }

    [Fact]
    public void Enabled_MaxAttemptsOne_IsOff() =>
        Assert.False(new RetryPolicy(RetryPolicyConfig.Default with { MaxAttempts = 1 }).Enabled);

    private sealed class FixedRandom(double value) : Random
    {
        public override double NextDouble() => value;
    }
}
