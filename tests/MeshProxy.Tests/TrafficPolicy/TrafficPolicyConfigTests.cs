using MeshProxy.Tests.Configuration;
using System.Text.Json;
using MeshProxy.Admin;
using MeshProxy.Configuration;

namespace MeshProxy.Tests.TrafficPolicy;

public sealed class TrafficPolicyConfigTests
{
    private const string Clusters = """
        clusters:
          v1:
            destinations: [ { address: "http://127.0.0.1:50051" } ]
          v2:
            destinations: [ { address: "http://127.0.0.1:50052" } ]
        """;

    [Theory]
    [InlineData("roundRobin", nameof(LoadBalancingKind.RoundRobin))]
    [InlineData("leastRequests", nameof(LoadBalancingKind.LeastRequests))]
    [InlineData("powerOfTwoChoices", nameof(LoadBalancingKind.PowerOfTwoChoices))]
    public void Load_LoadBalancingName_ParsesPolicy(string name, string expected)
    {
        var config = ConfigAssert.LoadValid($$"""
            clusters:
              c:
                destinations: [ { address: "http://127.0.0.1:1" } ]
                loadBalancing: {{name}}
            """);

        Assert.Equal(Enum.Parse<LoadBalancingKind>(expected), Assert.Single(config.Clusters).LoadBalancing);
    }

    [Fact]
    public void Load_LoadBalancingOmitted_DefaultsToRoundRobin() =>
        Assert.Equal(LoadBalancingKind.RoundRobin, Assert.Single(ConfigAssert.LoadValid("clusters:\n  c: { destinations: [ { address: \"http://127.0.0.1:1\" } ] }").Clusters).LoadBalancing);

    [Theory]
    [InlineData("random")]
    [InlineData("LeastRequests")]
    [InlineData("least_request")]
    public void Load_UnknownLoadBalancing_ErrorNamesClusterPath(string name)
    {
        var errors = ConfigAssert.Errors($"clusters:\n  c: {{ destinations: [ {{ address: \"http://127.0.0.1:1\" }} ], loadBalancing: {name} }}");

        var error = Assert.Single(errors);
        Assert.Equal("clusters.c.loadBalancing", error.Path);
        Assert.Contains($"unknown policy '{name}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("powerOfTwoChoices", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_HashOn_ParsesHeaderAndTakesPartInEquality()
    {
        var route = Assert.Single(ConfigAssert.LoadValid(Route("hashOn: { header: x-user-id }")).Routes);
        var plain = Assert.Single(ConfigAssert.LoadValid(Route(string.Empty)).Routes);

        Assert.Equal(new HashOnConfig("x-user-id"), route.HashOn);
        Assert.Null(plain.HashOn);
        Assert.NotEqual(plain, route);
        Assert.Equal(route, Assert.Single(ConfigAssert.LoadValid(Route("hashOn: { header: x-user-id }")).Routes));
    }

    [Theory]
    [InlineData("hashOn: { }", "routes[0].hashOn.header", "is required")]
    [InlineData("hashOn: { header: ':authority' }", "routes[0].hashOn.header", "is not a header name")]
    [InlineData("hashOn: { header: 'x user' }", "routes[0].hashOn.header", "is not a header name")]
    [InlineData("hashOn: { header: x-user-id, cookie: sid }", "routes[0].hashOn.cookie", "unknown key")]
    [InlineData("hashOn: x-user-id", "routes[0].hashOn", "expected a mapping")]
    public void Load_BadHashOn_ErrorNamesPath(string option, string path, string message)
    {
        var errors = ConfigAssert.Errors(Route(option));

        Assert.True(errors.Any(e => e.Path == path && e.Message.Contains(message, StringComparison.Ordinal)), $"expected '{path}: ...{message}...' in:\n{string.Join('\n', errors)}");
    }

    [Fact]
    public void ConfigDump_ShowsHashOnAndPolicyAsConfigured()
    {
        var config = ConfigAssert.LoadValid(Route("hashOn: { header: x-user-id }").Replace("    destinations: [ { address: \"http://127.0.0.1:50052\" } ]", "    destinations: [ { address: \"http://127.0.0.1:50052\" } ]\n    loadBalancing: powerOfTwoChoices", StringComparison.Ordinal));
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            ConfigJsonWriter.Write(writer, config);
        }

        using var json = JsonDocument.Parse(buffer.WrittenMemory);
        var root = json.RootElement;
        Assert.Equal("x-user-id", root.GetProperty("routes")[0].GetProperty("hashOn").GetProperty("header").GetString());
        Assert.Equal("roundRobin", root.GetProperty("clusters").GetProperty("v1").GetProperty("loadBalancing").GetString());
        Assert.Equal("powerOfTwoChoices", root.GetProperty("clusters").GetProperty("v2").GetProperty("loadBalancing").GetString());
    }

    private static string Route(string option) => $$"""
        routes:
          - name: users
            match: { prefix: / }
            backends: [ { cluster: v1, weight: 90 }, { cluster: v2, weight: 10 } ]
            {{option}}
        {{Clusters}}
        """;
}
