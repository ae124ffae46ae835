using MeshProxy.Configuration;
using MeshProxy.Tests.Configuration;
using MeshProxy.TrafficPolicy.CircuitBreaking;
using MeshProxy.TrafficPolicy.RateLimiting;

namespace MeshProxy.Tests.TrafficPolicy.Overload;

public sealed class OverloadConfigTests
{
    private static string Config(string route = "", string cluster = "") => $$"""
        routes:
          - name: users
            match: { method: /users.v1.UserService/* }
            cluster: c
        {{route}}
        clusters:
          c:
            destinations: [ { address: "http://127.0.0.1:1" } ]
        {{cluster}}
        """;

    [Fact]
    public void Load_NoSections_EnvoyDefaultsAndNoRateLimit()
    {
        var config = ConfigAssert.LoadValid(Config());

        Assert.Equal(new CircuitBreakersConfig(1024, 1024, MaxRetries: null), Assert.Single(config.Clusters).CircuitBreakers);
        Assert.Same(CircuitBreakersConfig.Default, config.Clusters[0].CircuitBreakers);
        Assert.Null(Assert.Single(config.Routes).RateLimit);
    }

    [Fact]
    public void Load_EveryKey_Read()
    {
        var config = ConfigAssert.LoadValid(Config(
            route: "    rateLimit: { maxTokens: 20, tokensPerFill: 5, fillInterval: 100ms }",
            cluster: "    circuitBreakers: { maxRequests: 10, maxPendingRequests: 0, maxRetries: 2 }"));

        Assert.Equal(new CircuitBreakersConfig(10, 0, 2), config.Clusters[0].CircuitBreakers);
        Assert.Equal(new RateLimitConfig(20, 5, TimeSpan.FromMilliseconds(100)), config.Routes[0].RateLimit);
    }

    [Fact]
    public void Load_RateLimitWithMaxTokensOnly_FillsThatManyEverySecond()
    {
        var config = ConfigAssert.LoadValid(Config(route: "    rateLimit: { maxTokens: 100 }"));

        Assert.Equal(new RateLimitConfig(100, 100, TimeSpan.FromSeconds(1)), config.Routes[0].RateLimit);
    }

    [Theory]
    [InlineData("maxRequests: 0", "clusters.c.circuitBreakers.maxRequests", "at least 1")]
    [InlineData("maxRequests: -5", "clusters.c.circuitBreakers.maxRequests", "at least 1")]
    [InlineData("maxPendingRequests: -1", "clusters.c.circuitBreakers.maxPendingRequests", "must not be negative")]
    [InlineData("maxRetries: 0", "clusters.c.circuitBreakers.maxRetries", "retry.maxAttempts: 1")]
    [InlineData("maxRequests: many", "clusters.c.circuitBreakers.maxRequests", "expected an integer")]
    [InlineData("maxConnections: 5", "clusters.c.circuitBreakers.maxConnections", "unknown")]
    public void Load_BadCircuitBreakers_OneErrorAtItsPath(string yaml, string path, string message)
    {
        var error = Assert.Single(ConfigAssert.Errors(Config(cluster: $"    circuitBreakers: {{ {yaml} }}")));

        Assert.Equal(path, error.Path);
        Assert.Contains(message, error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("maxTokens: 0", "routes[0].rateLimit.maxTokens", "at least 1")]
    [InlineData("maxTokens: 5, tokensPerFill: 0", "routes[0].rateLimit.tokensPerFill", "at least 1")]
    [InlineData("maxTokens: 5, tokensPerFill: 6", "routes[0].rateLimit.tokensPerFill", "more than maxTokens (5)")]
    [InlineData("maxTokens: 5, fillInterval: 10ms", "routes[0].rateLimit.fillInterval", "50ms or more")]
    [InlineData("tokensPerFill: 5", "routes[0].rateLimit.maxTokens", "is required")]
    [InlineData("maxTokens: 5, requestsPerSecond: 5", "routes[0].rateLimit.requestsPerSecond", "unknown")]
    public void Load_BadRateLimit_OneErrorAtItsPath(string yaml, string path, string message)
    {
        var error = Assert.Single(ConfigAssert.Errors(Config(route: $"    rateLimit: {{ {yaml} }}")));

        Assert.Equal(path, error.Path);
        Assert.Contains(message, error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void CircuitBreakerFor_EqualSettings_KeepsThePredecessorElseANewOne()
    {
        var previous = new CircuitBreaker(new CircuitBreakersConfig(2, 0, null));

        Assert.Same(previous, CircuitBreaker.For(new CircuitBreakersConfig(2, 0, null), previous));
        Assert.NotSame(previous, CircuitBreaker.For(new CircuitBreakersConfig(3, 0, null), previous));
    }

    [Fact]
    public void CircuitBreaker_Slots_CountedAndFreedByTheirLeases()
    {
        var breaker = new CircuitBreaker(new CircuitBreakersConfig(1, 0, MaxRetries: 1));

        using (var lease = breaker.TryAcquireRequest())
        {
            Assert.True(lease.IsAcquired);
            Assert.Equal(0, breaker.RemainingRequests);
            using var refused = breaker.TryAcquireRequest();
            Assert.False(refused.IsAcquired);
        }

        Assert.Equal(1, breaker.RemainingRequests);
        Assert.True(breaker.TryAcquireRetry(out var retry));
        Assert.Equal(0, breaker.RemainingRetries);
        Assert.False(breaker.TryAcquireRetry(out _));
        retry!.Dispose();
        Assert.Equal(1, breaker.RemainingRetries);
    }

    [Fact]
    public void CircuitBreaker_NoMaxRetries_RetriesLeftToTheBudget()
    {
        var breaker = new CircuitBreaker(CircuitBreakersConfig.Default);

        Assert.True(breaker.TryAcquireRetry(out var slot));
        Assert.Null(slot);
        Assert.Null(breaker.RemainingRetries);
    }

    [Fact]
    public void RouteRateLimiters_Reload_KeepsAnEqualLimiterWithItsTokensAndReplacesAChangedOne()
    {
        using var limiters = new RouteRateLimiters();
        var route = ConfigAssert.LoadValid(Config(route: "    rateLimit: { maxTokens: 1, fillInterval: 1h }")).Routes[0];
        var first = limiters.Apply([route])["users"];
        Assert.True(first.TryAcquire(out _));

        // Another setting of the route changed, its rate limit did not: the empty bucket stays.
        var kept = limiters.Apply([route with { Timeout = TimeSpan.FromSeconds(3) }])["users"];
        Assert.Same(first, kept);
        Assert.False(kept.TryAcquire(out var retryAfter));
        Assert.NotNull(retryAfter);

        var changed = limiters.Apply([route with { RateLimit = new RateLimitConfig(2, 2, TimeSpan.FromHours(1)) }])["users"];
        Assert.NotSame(first, changed);
        Assert.True(changed.TryAcquire(out _));

        // The replaced limiter is disposed; a call that read the old snapshot is admitted rather than failed.
        Assert.True(first.TryAcquire(out _));
        Assert.Empty(limiters.Apply([route with { RateLimit = null }]));
    }
}
