using MeshProxy.Cli.Canary;
using MeshProxy.Configuration;

namespace MeshProxy.Tests.Cli.Canary;

public sealed class CanaryWeightEditorTests
{
    private const string Clusters = """
        clusters:
          users-v1:
            destinations: [ { address: "http://127.0.0.1:50051" } ]
          users-v2:
            destinations: [ { address: "http://127.0.0.1:50052" } ]
          spare:
            destinations: [ { address: "http://127.0.0.1:50053" } ]

        """;

    private const string Block = """
        # Canary of users v2.
        version: "canary-1"   # bumped by hand
        routes:
          - name: pinned
            match: { method: /users.v1.UserService/*, headers: [ { name: x-canary, exact: always } ] }
            cluster: users-v2
          - name: users
            match:
              method: /users.v1.UserService/*
            backends:
              # the stable version
              - cluster: users-v1
                weight: 90    # most traffic
              - weight:   10
                cluster: users-v2
            hashOn: { header: x-user-id }

        """ + Clusters;

    [Fact]
    public void Apply_BlockStyle_ChangesOnlyTheWeightDigits()
    {
        var edit = CanaryWeightEditor.Apply(Block, "users", Weights(("users-v1", 0), ("users-v2", 100)));

        Assert.True(edit.Succeeded, string.Join('\n', edit.Errors));
        var expected = Block.Replace("weight: 90    # most", "weight: 0    # most", StringComparison.Ordinal)
            .Replace("weight:   10\n", "weight:   100\n", StringComparison.Ordinal);
        Assert.NotEqual(Block, expected);
        Assert.Equal(expected, edit.Text);
        Assert.Equal([("users-v1", 0), ("users-v2", 100)], LoadedSplit(edit.Text, "users"));
    }

    [Fact]
    public void Apply_FlowItemsWithComments_ChangesOnlyTheWeightDigits()
    {
        var yaml = """
            routes:
              - name: echo
                match: { prefix: /reload.v1. }
                backends:
                  - { cluster: users-v1, weight: 100 }   # blue
                  - {cluster: users-v2,weight: 0}        # green
            """ + "\n" + Clusters;

        var edit = CanaryWeightEditor.Apply(yaml, "echo", Weights(("users-v1", 25), ("users-v2", 75)));

        Assert.True(edit.Succeeded, string.Join('\n', edit.Errors));
        Assert.Equal(yaml.Replace("weight: 100 }", "weight: 25 }", StringComparison.Ordinal).Replace("weight: 0}", "weight: 75}", StringComparison.Ordinal), edit.Text);
        Assert.Equal([("users-v1", 25), ("users-v2", 75)], LoadedSplit(edit.Text, "echo"));
    }

    [Fact]
    public void Apply_FlowSequenceOnOneLine_OnlyNamedBackendChanges()
    {
        var yaml = "routes: [ { name: r, match: { prefix: / }, backends: [ {cluster: users-v1, weight: 7}, {cluster: spare, weight: 7}, {cluster: users-v2, weight: 7} ] } ]\n" + Clusters;

        var edit = CanaryWeightEditor.Apply(yaml, "r", Weights(("spare", 1234)));

        Assert.True(edit.Succeeded, string.Join('\n', edit.Errors));
        Assert.Equal(yaml.Replace("spare, weight: 7}", "spare, weight: 1234}", StringComparison.Ordinal), edit.Text);
        Assert.Equal([("users-v1", 7), ("spare", 1234), ("users-v2", 7)], LoadedSplit(edit.Text, "r"));
    }

    [Fact]
    public void Apply_QuotedWeightsAndCrLf_KeepQuotingAndLineEndings()
    {
        var yaml = "routes:\r\n  - name: r\r\n    match: { prefix: / }\r\n    backends:\r\n      - cluster: users-v1\r\n        weight: '50'\r\n      - cluster: users-v2\r\n        weight: \"50\"\r\n"
            + Clusters.Replace("\n", "\r\n", StringComparison.Ordinal);

        var edit = CanaryWeightEditor.Apply(yaml, "r", Weights(("users-v1", 10), ("users-v2", 90)));

        Assert.True(edit.Succeeded, string.Join('\n', edit.Errors));
        Assert.Equal(yaml.Replace("'50'", "'10'", StringComparison.Ordinal).Replace("\"50\"", "\"90\"", StringComparison.Ordinal), edit.Text);
        Assert.Equal([("users-v1", 10), ("users-v2", 90)], LoadedSplit(edit.Text, "r"));
    }

    [Fact]
    public void Apply_UnknownRoute_NamesTheRoutes()
    {
        var error = Assert.Single(Fail(Block, "orders", ("users-v1", 1)));

        Assert.Equal("routes", error.Path);
        Assert.Contains("no route named 'orders' (routes: pinned, users)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_SingleClusterRoute_AsksForBackends()
    {
        var error = Assert.Single(Fail(Block, "pinned", ("users-v2", 50)));

        Assert.Equal("routes[0].cluster", error.Path);
        Assert.Contains("sends to one cluster", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_UnknownCluster_Refused()
    {
        var errors = Fail(Block, "users", ("users-v3", 10));

        Assert.Contains(errors, e => e.Path == "clusters" && e.Message.Contains("no cluster named 'users-v3'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path == "routes[1].backends" && e.Message.Contains("'users-v3' is not a backend", StringComparison.Ordinal));
    }

    [Fact]
    public void Apply_ClusterNotAmongBackends_NamesTheBackends()
    {
        var error = Assert.Single(Fail(Block, "users", ("spare", 10)));

        Assert.Equal("routes[1].backends", error.Path);
        Assert.Contains("cluster 'spare' is not a backend of route 'users' (its backends: users-v1, users-v2)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_BackendWithoutWeight_Refused()
    {
        var yaml = Block.Replace("        weight: 90    # most traffic\n", string.Empty, StringComparison.Ordinal);

        var error = Assert.Single(Fail(yaml, "users", ("users-v1", 10)));

        Assert.Equal("routes[1].backends[0]", error.Path);
        Assert.Contains("has no weight to edit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_AllWeightsZero_Refused()
    {
        var error = Assert.Single(Fail(Block, "users", ("users-v1", 0), ("users-v2", 0)));

        Assert.Equal("routes[1].backends", error.Path);
        Assert.Contains("all weights would be zero", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_ZeroingTheOnlyWeightedBackend_Refused()
    {
        var yaml = Block.Replace("weight:   10", "weight:   0", StringComparison.Ordinal);

        Assert.Contains(Fail(yaml, "users", ("users-v1", 0)), e => e.Message.Contains("all weights would be zero", StringComparison.Ordinal));
    }

    [Fact]
    public void Apply_WeightThroughAnchor_Refused()
    {
        var yaml = Block.Replace("weight: 90", "weight: &w 90", StringComparison.Ordinal).Replace("weight:   10", "weight: *w", StringComparison.Ordinal);

        var errors = Fail(yaml, "users", ("users-v2", 5));

        Assert.Equal("routes[1].backends[1].weight", Assert.Single(errors).Path);
    }

    [Fact]
    public void Apply_TaggedWeight_Refused()
    {
        var yaml = Block.Replace("weight: 90", "weight: !!int 90", StringComparison.Ordinal);

        Assert.Equal("routes[1].backends[0].weight", Assert.Single(Fail(yaml, "users", ("users-v1", 5))).Path);
    }

    [Fact]
    public void Apply_InvalidYaml_ReportsLine()
    {
        var error = Assert.Single(Fail("routes: [ {\n", "users", ("users-v1", 5)));

        Assert.Contains("invalid YAML at line", error.Message, StringComparison.Ordinal);
    }

    private static IReadOnlyList<ConfigError> Fail(string yaml, string route, params (string Cluster, int Weight)[] weights)
    {
        var edit = CanaryWeightEditor.Apply(yaml, route, Weights(weights));
        Assert.False(edit.Succeeded);
        Assert.Null(edit.Text);
        return edit.Errors;
    }

    private static List<KeyValuePair<string, int>> Weights(params (string Cluster, int Weight)[] weights) =>
        weights.Select(w => KeyValuePair.Create(w.Cluster, w.Weight)).ToList();

    private static (string, int)[] LoadedSplit(string yaml, string route)
    {
        var result = ConfigLoader.Load(yaml);
        Assert.True(result.Succeeded, string.Join('\n', result.Errors));
        return result.Config.Routes.Single(r => r.Name == route).Backends.Select(b => (b.Cluster, b.Weight)).ToArray();
    }
}
