namespace MeshProxy.Configuration.Validation;

/// <summary>A health check's thresholds count probes in a row: at least 1.</summary>
internal sealed class HealthCheckThresholdValidator : IConfigValidator
{
    public void Validate(MeshProxyConfig config, ConfigErrors errors)
    {
        foreach (var cluster in config.Clusters)
        {
            if (cluster.HealthCheck is not { } check)
            {
                continue;
            }

            var path = $"{ConfigPaths.Cluster(cluster.Name)}.healthCheck";
            if (check.UnhealthyThreshold < 1)
            {
                errors.Add($"{path}.unhealthyThreshold", $"{check.UnhealthyThreshold} must be 1 or more");
            }

            if (check.HealthyThreshold < 1)
            {
                errors.Add($"{path}.healthyThreshold", $"{check.HealthyThreshold} must be 1 or more");
            }
        }
    }
}
