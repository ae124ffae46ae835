using MeshProxy.Configuration;

namespace MeshProxy.Tests.Configuration;

/// <summary>Loads YAML through the real loader and asserts the outcome, printing every error when it differs.</summary>
internal static class ConfigAssert
{
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
