namespace MeshProxy.Configuration.Validation;

/// <summary>Durations are never negative.</summary>
internal sealed class DurationValidator : IConfigValidator
{
    public void Validate(MeshProxyConfig config, ConfigErrors errors)
    {
        for (var i = 0; i < config.Routes.Count; i++)
        {
            Check(config.Routes[i].Timeout, $"{ConfigPaths.Route(i)}.timeout", errors);
            Check(config.Routes[i].StreamIdleTimeout, $"{ConfigPaths.Route(i)}.streamIdleTimeout", errors);
        }

        foreach (var cluster in config.Clusters)
        {
            Check(cluster.ConnectTimeout, $"{ConfigPaths.Cluster(cluster.Name)}.connectTimeout", errors);
        }
    }

    private static void Check(TimeSpan value, string path, ConfigErrors errors)
    {
        if (value < TimeSpan.Zero)
        {
            errors.Add(path, $"{Duration.Format(value.Negate())} must not be negative");
        }
    }
}
