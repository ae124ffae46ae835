namespace MeshProxy.Configuration.Validation;

/// <summary>A health check's interval and timeout are positive.</summary>
internal sealed class HealthCheckTimingValidator : IConfigValidator
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
            OutlierTimingValidator.Positive(check.Interval, $"{path}.interval", errors);
            OutlierTimingValidator.Positive(check.Timeout, $"{path}.timeout", errors);
        }
    }
}
