namespace MeshProxy.Configuration.Validation;

/// <summary>
/// A cluster's load-balancing policy is one we implement. The loader reports unknown names; this catches a config
/// built in code with an undefined <see cref="LoadBalancingKind"/>.
/// </summary>
internal sealed class LoadBalancingValidator : IConfigValidator
{
    public void Validate(MeshProxyConfig config, ConfigErrors errors)
    {
        foreach (var cluster in config.Clusters)
        {
            if (!Enum.IsDefined(cluster.LoadBalancing))
            {
                errors.Add($"{ConfigPaths.Cluster(cluster.Name)}.loadBalancing", $"unknown policy '{cluster.LoadBalancing}'; supported: {LoadBalancingNames.Supported}");
            }
        }
    }
}
