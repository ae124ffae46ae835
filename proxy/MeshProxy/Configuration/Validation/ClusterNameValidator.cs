namespace MeshProxy.Configuration.Validation;

/// <summary>Cluster names are made of [a-z0-9-_.] (uniqueness is a YAML mapping key property, checked by the loader).</summary>
internal sealed class ClusterNameValidator : IConfigValidator
{
    public void Validate(MeshProxyConfig config, ConfigErrors errors)
    {
        foreach (var cluster in config.Clusters)
        {
            if (!NameSyntax.IsValid(cluster.Name))
            {
                errors.Add(ConfigPaths.Cluster(cluster.Name), $"cluster name '{cluster.Name}' may only contain a-z, 0-9, '-', '_' and '.'");
            }
        }
    }
}
