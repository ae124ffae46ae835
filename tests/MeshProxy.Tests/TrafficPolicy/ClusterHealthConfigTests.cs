using MeshProxy.Configuration;
using MeshProxy.Tests.Configuration;

namespace MeshProxy.Tests.TrafficPolicy;

public sealed class ClusterHealthConfigTests
{
    [Fact]
    public void Load_NoBlocks_EnvoyLikeDefaultsAndNoActiveCheck()
    {
        var cluster = Single(string.Empty);

        Assert.Equal(new OutlierDetectionConfig(5, 5, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(300), 100, 50), cluster.OutlierDetection);
        Assert.True(cluster.OutlierDetection.SplitExternalLocalOriginErrors);
        Assert.Equal(5, cluster.OutlierDetection.ConsecutiveLocalOriginFailures);
        Assert.Equal(TimeSpan.FromSeconds(30), cluster.OutlierDetection.Warmup);
        Assert.Null(cluster.HealthCheck);
    }

    [Fact]
    public void Load_EveryOption_ReadAsWritten()
    {
        var cluster = Single("""
                outlierDetection:
                  consecutiveGatewayFailures: 3
                  consecutiveServerErrors: 0
                  interval: 2s
                  baseEjectionTime: 15s
                  maxEjectionTime: 2m
                  maxEjectionPercent: 34
                  panicThreshold: 0
                  splitExternalLocalOriginErrors: false
                  consecutiveLocalOriginFailures: 7
                  warmup: 1m
                healthCheck:
                  grpc: { service: users.v1.UserService }
                  interval: 3s
                  timeout: 500ms
                  unhealthyThreshold: 4
                  healthyThreshold: 2
                  missingServiceIsHealthy: true
            """);

        var expected = new OutlierDetectionConfig(3, 0, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(15), TimeSpan.FromMinutes(2), 34, 0)
        {
            SplitExternalLocalOriginErrors = false,
            ConsecutiveLocalOriginFailures = 7,
            Warmup = TimeSpan.FromMinutes(1),
        };
        Assert.Equal(expected, cluster.OutlierDetection);
        Assert.Equal(new HealthCheckConfig("users.v1.UserService", null, TimeSpan.FromSeconds(3), TimeSpan.FromMilliseconds(500), 4, 2, true), cluster.HealthCheck);
    }

    [Fact]
    public void Load_HttpCheckWithDefaults_DefaultsFilledIn()
    {
        var cluster = Single("""
                healthCheck:
                  http: { path: /healthz }
            """);

        Assert.Equal(new HealthCheckConfig(null, "/healthz", TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1), 2, 1, false), cluster.HealthCheck);
    }

    [Fact]
    public void Load_ChangedOutlierOption_ClusterConfigNotEqual()
    {
        Assert.NotEqual(Single(string.Empty), Single("    outlierDetection: { panicThreshold: 10 }"));
        Assert.Equal(Single(string.Empty), Single(string.Empty));
    }

    [Theory]
    [InlineData("outlierDetection: { consecutiveGatewayFailures: -1 }", "clusters.c.outlierDetection.consecutiveGatewayFailures", "must be 0 (off) or more")]
    [InlineData("outlierDetection: { consecutiveServerErrors: -2 }", "clusters.c.outlierDetection.consecutiveServerErrors", "must be 0 (off) or more")]
    [InlineData("outlierDetection: { consecutiveLocalOriginFailures: -1 }", "clusters.c.outlierDetection.consecutiveLocalOriginFailures", "must be 0 (off) or more")]
    [InlineData("outlierDetection: { warmup: -5s }", "clusters.c.outlierDetection.warmup", "must be 0 (off) or more")]
    [InlineData("outlierDetection: { warmup: later }", "clusters.c.outlierDetection.warmup", "expected a duration")]
    [InlineData("outlierDetection: { splitExternalLocalOriginErrors: 1 }", "clusters.c.outlierDetection.splitExternalLocalOriginErrors", "expected true or false")]
    [InlineData("outlierDetection: { interval: 0s }", "clusters.c.outlierDetection.interval", "must be positive")]
    [InlineData("outlierDetection: { baseEjectionTime: -5s }", "clusters.c.outlierDetection.baseEjectionTime", "must be positive")]
    [InlineData("outlierDetection: { baseEjectionTime: 60s, maxEjectionTime: 30s }", "clusters.c.outlierDetection.maxEjectionTime", "must not be shorter than baseEjectionTime")]
    [InlineData("outlierDetection: { maxEjectionPercent: 101 }", "clusters.c.outlierDetection.maxEjectionPercent", "is not a percentage")]
    [InlineData("outlierDetection: { panicThreshold: -1 }", "clusters.c.outlierDetection.panicThreshold", "is not a percentage")]
    [InlineData("outlierDetection: { panic: 10 }", "clusters.c.outlierDetection.panic", "unknown key")]
    [InlineData("outlierDetection: { interval: soon }", "clusters.c.outlierDetection.interval", "expected a duration")]
    [InlineData("outlierDetection: 5", "clusters.c.outlierDetection", "expected a mapping")]
    [InlineData("healthCheck: { interval: 5s }", "clusters.c.healthCheck", "one of 'grpc'")]
    [InlineData("healthCheck: { grpc: { service: a }, http: { path: /h } }", "clusters.c.healthCheck", "not both")]
    [InlineData("healthCheck: { http: { path: healthz } }", "clusters.c.healthCheck.http.path", "must be an absolute path")]
    [InlineData("healthCheck: { http: { } }", "clusters.c.healthCheck.http.path", "must be an absolute path")]
    [InlineData("healthCheck: { grpc: { name: a } }", "clusters.c.healthCheck.grpc.name", "unknown key")]
    [InlineData("healthCheck: { grpc: { }, timeout: 0s }", "clusters.c.healthCheck.timeout", "must be positive")]
    [InlineData("healthCheck: { grpc: { }, interval: -1s }", "clusters.c.healthCheck.interval", "must be positive")]
    [InlineData("healthCheck: { grpc: { }, unhealthyThreshold: 0 }", "clusters.c.healthCheck.unhealthyThreshold", "must be 1 or more")]
    [InlineData("healthCheck: { grpc: { }, healthyThreshold: 0 }", "clusters.c.healthCheck.healthyThreshold", "must be 1 or more")]
    [InlineData("healthCheck: { grpc: { }, missingServiceIsHealthy: yes }", "clusters.c.healthCheck.missingServiceIsHealthy", "expected true or false")]
    [InlineData("healthCheck: { grpc: { }, path: /x }", "clusters.c.healthCheck.path", "unknown key")]
    public void Load_BadOption_ErrorNamesPath(string option, string path, string message)
    {
        var errors = ConfigAssert.Errors(Yaml("    " + option));

        Assert.True(errors.Any(e => e.Path == path && e.Message.Contains(message, StringComparison.Ordinal)), $"expected '{path}: ...{message}...' in:\n{string.Join('\n', errors)}");
    }

    [Fact]
    public void OutlierExample_LoadsAndSetsBothBlocks()
    {
        var config = ConfigLoader.LoadFile(MeshProxy.TestSupport.RepoPaths.Combine("config", "examples", "outlier.yaml"));

        Assert.True(config.Succeeded, string.Join('\n', config.Errors));
        Assert.Contains(config.Config.Clusters, c => c.HealthCheck is not null);
        Assert.Contains(config.Config.Clusters, c => c.OutlierDetection != OutlierDetectionConfig.Default);
    }

    private static ClusterConfig Single(string options) => Assert.Single(ConfigAssert.LoadValid(Yaml(options)).Clusters);

    private static string Yaml(string options) => $$"""
        routes:
          - name: r
            match: { prefix: / }
            cluster: c
        clusters:
          c:
            destinations: [ { address: "http://127.0.0.1:50051" } ]
        {{options}}
        """;
}
