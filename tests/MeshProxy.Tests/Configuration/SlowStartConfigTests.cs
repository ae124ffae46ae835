using MeshProxy.Configuration;

namespace MeshProxy.Tests.Configuration;

public sealed class SlowStartConfigTests
{
    private static string Cluster(string extra) => $$"""
        routes:
          - name: users
            match: { method: /users.v1.UserService/* }
            cluster: c
        clusters:
          c:
            destinations: [ { address: "http://127.0.0.1:1" } ]
        {{extra}}
        """;

    [Fact]
    public void Load_NoSlowStart_Off() =>
        Assert.Null(Assert.Single(ConfigAssert.LoadValid(Cluster(string.Empty)).Clusters).SlowStart);

    [Fact]
    public void Load_WindowOnly_EnvoysDefaults()
    {
        var cluster = Assert.Single(ConfigAssert.LoadValid(Cluster("    slowStart: { window: 30s }")).Clusters);

        Assert.Equal(new SlowStartConfig(TimeSpan.FromSeconds(30), 1.0, 10.0), cluster.SlowStart);
    }

    [Fact]
    public void Load_EveryKey_Read()
    {
        var cluster = Assert.Single(ConfigAssert.LoadValid(Cluster("    slowStart: { window: 2m, aggression: 1.5, minWeightPercent: 25 }")).Clusters);

        Assert.Equal(new SlowStartConfig(TimeSpan.FromMinutes(2), 1.5, 25.0), cluster.SlowStart);
    }

    [Theory]
    [InlineData("    slowStart: {}", "clusters.c.slowStart.window", "is required")]
    [InlineData("    slowStart: { aggression: 2 }", "clusters.c.slowStart.window", "is required")]
    [InlineData("    slowStart: { window: soon }", "clusters.c.slowStart.window", "expected a duration")]
    [InlineData("    slowStart: { window: 0s }", "clusters.c.slowStart.window", "expected 1s to 1h")]
    [InlineData("    slowStart: { window: 2h }", "clusters.c.slowStart.window", "expected 1s to 1h")]
    [InlineData("    slowStart: { window: 30s, aggression: 0 }", "clusters.c.slowStart.aggression", "above 0")]
    [InlineData("    slowStart: { window: 30s, aggression: 101 }", "clusters.c.slowStart.aggression", "at most 100")]
    [InlineData("    slowStart: { window: 30s, aggression: fast }", "clusters.c.slowStart.aggression", "expected a number")]
    [InlineData("    slowStart: { window: 30s, minWeightPercent: 0 }", "clusters.c.slowStart.minWeightPercent", "expected 1 to 100")]
    [InlineData("    slowStart: { window: 30s, minWeightPercent: 100.5 }", "clusters.c.slowStart.minWeightPercent", "expected 1 to 100")]
    [InlineData("    slowStart: { window: 30s, minWeight: 10 }", "clusters.c.slowStart.minWeight", "")]
    public void Load_BadSlowStart_ErrorNamesItsPath(string extra, string path, string message) =>
        Assert.Contains(ConfigAssert.Errors(Cluster(extra)), e => e.Path == path && e.Message.Contains(message, StringComparison.Ordinal));
}
