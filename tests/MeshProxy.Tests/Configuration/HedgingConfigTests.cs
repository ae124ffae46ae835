using MeshProxy.Configuration;

namespace MeshProxy.Tests.Configuration;

public sealed class HedgingConfigTests
{
    private static string Route(string extra) => $$"""
        routes:
          - name: users
            match: { method: /users.v1.UserService/* }
            cluster: c
        {{extra}}
        clusters:
          c:
            destinations: [ { address: "http://127.0.0.1:1" } ]
        """;

    [Fact]
    public void Load_NoHedgingNoIdempotent_Defaults()
    {
        var route = Assert.Single(ConfigAssert.LoadValid(Route(string.Empty)).Routes);

        Assert.Null(route.Hedging);
        Assert.False(route.Idempotent);
    }

    [Fact]
    public void Load_HedgingAndIdempotent_Read()
    {
        var route = Assert.Single(ConfigAssert.LoadValid(Route("""
                idempotent: true
                hedging: { maxAttempts: 3, delay: 20ms, nonFatalOn: [unavailable, internal] }
            """)).Routes);

        Assert.True(route.Idempotent);
        Assert.Equal(new HedgingPolicyConfig(3, TimeSpan.FromMilliseconds(20), new(["unavailable", "internal"])), route.Hedging);
    }

    [Fact]
    public void Load_EmptyHedging_DefaultsOfTheSection()
    {
        var route = Assert.Single(ConfigAssert.LoadValid(Route("    hedging: {}")).Routes);

        Assert.Equal(new HedgingPolicyConfig(2, TimeSpan.FromMilliseconds(50), new(["unavailable"])), route.Hedging);
    }

    [Theory]
    [InlineData("    hedging: { maxAttempts: 1 }", "routes[0].hedging.maxAttempts")]
    [InlineData("    hedging: { maxAttempts: 11 }", "routes[0].hedging.maxAttempts")]
    [InlineData("    hedging: { delay: -1ms }", "routes[0].hedging.delay")]
    [InlineData("    hedging: { nonFatalOn: [reset] }", "routes[0].hedging.nonFatalOn[0]")]
    [InlineData("    hedging: { nonFatalOn: [5xx] }", "routes[0].hedging.nonFatalOn[0]")]
    [InlineData("    hedging: { after: 5ms }", "routes[0].hedging.after")]
    [InlineData("    idempotent: sometimes", "routes[0].idempotent")]
    public void Load_BadHedgingOrIdempotent_ErrorNamesItsPath(string extra, string path) =>
        Assert.Contains(ConfigAssert.Errors(Route(extra)), e => e.Path == path);

    [Fact]
    public void Load_RetryBudgetRatioKeys_Read()
    {
        var config = ConfigAssert.LoadValid("""
            clusters:
              c:
                destinations: [ { address: "http://127.0.0.1:1" } ]
                retryBudget: { ratio: 0.5, minRetriesPerSecond: 4, window: 30s }
            """);

        var budget = Assert.Single(config.Clusters).RetryBudget;
        Assert.Equal(0.5, budget.Ratio);
        Assert.Equal(4, budget.MinRetriesPerSecond);
        Assert.Equal(TimeSpan.FromSeconds(30), budget.Window);
        Assert.Equal(20, budget.Percent);
    }

    [Theory]
    [InlineData("{ ratio: -0.1 }", "clusters.c.retryBudget.ratio")]
    [InlineData("{ ratio: lots }", "clusters.c.retryBudget.ratio")]
    [InlineData("{ minRetriesPerSecond: -1 }", "clusters.c.retryBudget.minRetriesPerSecond")]
    [InlineData("{ window: 500ms }", "clusters.c.retryBudget.window")]
    [InlineData("{ window: 1h }", "clusters.c.retryBudget.window")]
    public void Load_BadRetryBudgetRatioKey_ErrorNamesItsPath(string budget, string path)
    {
        var errors = ConfigAssert.Errors($$"""
            clusters:
              c:
                destinations: [ { address: "http://127.0.0.1:1" } ]
                retryBudget: {{budget}}
            """);

        Assert.Contains(errors, e => e.Path == path);
    }
}
