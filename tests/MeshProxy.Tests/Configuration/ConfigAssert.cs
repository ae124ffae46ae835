using MeshProxy.Configuration;

namespace MeshProxy.Tests.Configuration;

/// <summary>Loads YAML through the real loader and asserts the outcome, printing every error when it differs.</summary>
internal static class ConfigAssert
{
    /// <summary>The smallest valid routes and clusters, for tests of another section to append.</summary>
    public const string OneRoute = """
        routes:
          - name: r1
            match: { prefix: / }
            cluster: c1
        clusters:
          c1:
            destinations: [ { address: "http://127.0.0.1:50051" } ]
        """;

    public static MeshProxyConfig LoadValid(string yaml)
    {
        var result = ConfigLoader.Load(yaml);
        Assert.True(result.Succeeded, string.Join('\n', result.Errors));
        return result.Config;
    }

    public static IReadOnlyList<ConfigError> Errors(string yaml)
    {
        var result = ConfigLoader.Load(yaml);
        Assert.False(result.Succeeded);
        return result.Errors;
    }
}
