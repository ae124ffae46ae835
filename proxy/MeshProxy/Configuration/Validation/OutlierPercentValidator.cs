namespace MeshProxy.Configuration.Validation;

/// <summary><c>maxEjectionPercent</c> and <c>panicThreshold</c> are percentages, 0 to 100.</summary>
internal sealed class OutlierPercentValidator : IConfigValidator
{
    public void Validate(MeshProxyConfig config, ConfigErrors errors)
    {
        foreach (var cluster in config.Clusters)
        {
            var outlier = cluster.OutlierDetection;
            var path = $"{ConfigPaths.Cluster(cluster.Name)}.outlierDetection";
            Check(outlier.MaxEjectionPercent, $"{path}.maxEjectionPercent", errors);
            Check(outlier.PanicThreshold, $"{path}.panicThreshold", errors);
        }
    }

    private static void Check(int value, string path, ConfigErrors errors)
    {
        if (value is < 0 or > 100)
        {
            errors.Add(path, $"{value} is not a percentage (0 to 100)");
        }
    }
}
