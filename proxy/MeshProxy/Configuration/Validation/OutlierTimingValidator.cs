namespace MeshProxy.Configuration.Validation;

/// <summary>
/// Outlier detection's interval and ejection times are positive, and the cap is not below the base (an ejection
/// would otherwise be shorter the second time than the first); the warm-up is 0 (off) or more.
/// </summary>
internal sealed class OutlierTimingValidator : IConfigValidator
{
    public void Validate(MeshProxyConfig config, ConfigErrors errors)
    {
        foreach (var cluster in config.Clusters)
        {
            var outlier = cluster.OutlierDetection;
            var path = $"{ConfigPaths.Cluster(cluster.Name)}.outlierDetection";
            Positive(outlier.Interval, $"{path}.interval", errors);
            Positive(outlier.BaseEjectionTime, $"{path}.baseEjectionTime", errors);
            if (Positive(outlier.MaxEjectionTime, $"{path}.maxEjectionTime", errors) && outlier.MaxEjectionTime < outlier.BaseEjectionTime)
            {
                errors.Add($"{path}.maxEjectionTime", $"{Duration.Format(outlier.MaxEjectionTime)} must not be shorter than baseEjectionTime ({Duration.Format(outlier.BaseEjectionTime)})");
            }

            if (outlier.Warmup < TimeSpan.Zero)
            {
                errors.Add($"{path}.warmup", $"-{Duration.Format(outlier.Warmup.Negate())} must be 0 (off) or more");
            }
        }
    }

    internal static bool Positive(TimeSpan value, string path, ConfigErrors errors)
    {
        if (value > TimeSpan.Zero)
        {
            return true;
        }

        errors.Add(path, value < TimeSpan.Zero ? $"-{Duration.Format(value.Negate())} must be positive" : "0s must be positive");
        return false;
    }
}
