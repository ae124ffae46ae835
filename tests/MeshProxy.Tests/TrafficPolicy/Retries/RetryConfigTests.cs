using MeshProxy.Configuration;
using MeshProxy.Tests.Configuration;

namespace MeshProxy.Tests.TrafficPolicy.Retries;

public sealed class RetryConfigTests
{
    private static string Route(string retry) => $$"""
        routes:
          - name: users
            match: { method: /users.v1.UserService/* }
            cluster: c
        {{retry}}
        clusters:
          c:
            destinations: [ { address: "http://127.0.0.1:1" } ]
        """;

    [Fact]
    public void Load_NoRetrySection_IstioLikeDefaults()
    {
        var config = ConfigAssert.LoadValid(Route(string.Empty));

        var retry = Assert.Single(config.Routes).Retry;
        Assert.Equal(["unavailable", "connect-failure", "refused-stream"], retry.RetryOn);
        Assert.Equal(3, retry.MaxAttempts);
        Assert.Equal(TimeSpan.Zero, retry.PerTryTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(25), retry.BackoffBase);
        Assert.Equal(TimeSpan.FromMilliseconds(250), retry.BackoffMax);
        Assert.Equal(65_536, retry.BufferLimit);
        Assert.False(retry.Failover);
        Assert.Equal(new RetryBudgetConfig(20, 3), Assert.Single(config.Clusters).RetryBudget);
    }

    [Fact]
    public void Load_EveryRetryKey_Read()
    {
        var config = ConfigAssert.LoadValid($$"""
            routes:
              - name: users
                match: { method: /users.v1.UserService/* }
                cluster: c
                retry:
                  retryOn: [internal, reset]
                  maxAttempts: 5
                  perTryTimeout: 2s
                  backoff: { base: 10ms, max: 1s }
                  bufferLimit: 1024
                  failover: true
            clusters:
              c:
                destinations: [ { address: "http://127.0.0.1:1" } ]
                retryBudget: { percent: 50, minConcurrency: 7 }
            """);

        var retry = Assert.Single(config.Routes).Retry;
        Assert.Equal(new RetryPolicyConfig(new(["internal", "reset"]), 5, TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(1), 1024, true), retry);
        Assert.Equal(new RetryBudgetConfig(50, 7), Assert.Single(config.Clusters).RetryBudget);
    }

    [Fact]
    public void Load_UnknownRetryOn_ErrorListsValidNames()
    {
        var error = Assert.Single(ConfigAssert.Errors(Route("    retry: { retryOn: [unavailable, 5xx] }")));

        Assert.Equal("routes[0].retry.retryOn[1]", error.Path);
        Assert.Contains("'5xx'", error.Message, StringComparison.Ordinal);
        Assert.Contains(RetryOnNames.Supported, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(11)]
    public void Load_MaxAttemptsOutOfRange_Error(int attempts)
    {
        var error = Assert.Single(ConfigAssert.Errors(Route($"    retry: {{ maxAttempts: {attempts} }}")));

        Assert.Equal("routes[0].retry.maxAttempts", error.Path);
    }

    [Theory]
    [InlineData("perTryTimeout: -1s", "routes[0].retry.perTryTimeout")]
    [InlineData("backoff: { base: -5ms }", "routes[0].retry.backoff.base")]
    [InlineData("backoff: { base: 0ms, max: -5ms }", "routes[0].retry.backoff.max")]
    public void Load_NegativeDuration_Error(string yaml, string path)
    {
        var error = Assert.Single(ConfigAssert.Errors(Route($"    retry: {{ {yaml} }}")));

        Assert.Equal(path, error.Path);
        Assert.Contains("negative", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_BackoffBaseAboveMax_Error()
    {
        var error = Assert.Single(ConfigAssert.Errors(Route("    retry: { backoff: { base: 2s, max: 1s } }")));

        Assert.Equal("routes[0].retry.backoff", error.Path);
        Assert.Equal("base 2s is greater than max 1s", error.Message);
    }

    [Theory]
    [InlineData("    retry: { bufferLimit: -1 }", "routes[0].retry.bufferLimit")]
    [InlineData("    retry: { colour: red }", "routes[0].retry.colour")]
    [InlineData("    retry: { backoff: { jitter: full } }", "routes[0].retry.backoff.jitter")]
    [InlineData("    retry: { failover: maybe }", "routes[0].retry.failover")]
    public void Load_BadRetryKey_ErrorNamesItsPath(string retry, string path) =>
        Assert.Equal(path, Assert.Single(ConfigAssert.Errors(Route(retry))).Path);

    [Theory]
    [InlineData("{ percent: 101 }", "clusters.c.retryBudget.percent")]
    [InlineData("{ percent: -1 }", "clusters.c.retryBudget.percent")]
    [InlineData("{ minConcurrency: -1 }", "clusters.c.retryBudget.minConcurrency")]
    [InlineData("{ share: 5 }", "clusters.c.retryBudget.share")]
    public void Load_BadRetryBudget_ErrorNamesItsPath(string budget, string path)
    {
        var errors = ConfigAssert.Errors($$"""
            clusters:
              c:
                destinations: [ { address: "http://127.0.0.1:1" } ]
                retryBudget: {{budget}}
            """);

        Assert.Equal(path, Assert.Single(errors).Path);
    }

    [Fact]
    public void Load_RetriesExample_IsValidAndRetries()
    {
        var config = ConfigAssert.LoadValid(File.ReadAllText(Path.Combine(MeshProxy.TestSupport.RepoPaths.Root, "config", "examples", "retries.yaml")));

        Assert.Contains(config.Routes, r => r.Retry.MaxAttempts > 1);
    }
}
