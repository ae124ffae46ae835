namespace MeshProxy.Configuration.Validation;

/// <summary>Every route has at least one backend, and each backend names an existing cluster.</summary>
internal sealed class BackendClusterValidator : IConfigValidator
{
    public void Validate(MeshProxyConfig config, ConfigErrors errors)
    {
        var clusters = config.Clusters.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < config.Routes.Count; i++)
        {
            var backends = config.Routes[i].Backends;
            if (backends.Count == 0)
            {
                errors.Add(ConfigPaths.Route(i), "one of 'cluster' or 'backends' is required");
                continue;
            }

            var shorthand = backends.Count == 1 && backends[0].Weight == BackendConfig.DefaultWeight;
            for (var b = 0; b < backends.Count; b++)
            {
                var cluster = backends[b].Cluster;
                var path = shorthand ? ConfigPaths.Backend(i, b, true) : $"{ConfigPaths.Backend(i, b, false)}.cluster";
                if (cluster.Length == 0)
                {
                    errors.Add(path, "is required");
                }
                else if (!clusters.Contains(cluster))
                {
                    errors.Add(path, $"unknown cluster '{cluster}'");
                }
            }
        }
    }
}
