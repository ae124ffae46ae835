namespace MeshProxy.Configuration.Validation;

/// <summary>Outlier detection's consecutive-failure thresholds are counts: 0 (rule off) or more.</summary>
internal sealed class OutlierThresholdValidator : IConfigValidator
{
    public void Validate(MeshProxyConfig config, ConfigErrors errors)
    {
        foreach (var cluster in config.Clusters)
        {
            var outlier = cluster.OutlierDetection;
            var path = $"{ConfigPaths.Cluster(cluster.Name)}.outlierDetection";
            if (outlier.ConsecutiveGatewayFailures < 0)
            {
                errors.Add($"{path}.consecutiveGatewayFailures", $"{outlier.ConsecutiveGatewayFailures} must be 0 (off) or more");
            }

            if (outlier.ConsecutiveServerErrors < 0)
            {
                errors.Add($"{path}.consecutiveServerErrors", $"{outlier.ConsecutiveServerErrors} must be 0 (off) or more");
            }

            if (outlier.ConsecutiveLocalOriginFailures < 0)
            {
                errors.Add($"{path}.consecutiveLocalOriginFailures", $"{outlier.ConsecutiveLocalOriginFailures} must be 0 (off) or more");
            }
        }
    }
}
