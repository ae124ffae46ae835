namespace MeshProxy.Configuration.Validation;

/// <summary>
/// <c>slowStart.window</c> is 1s to 1h, <c>aggression</c> above 0 and at most 100, <c>minWeightPercent</c> 1 to 100 (a
/// zero floor would leave a destination with no share at the start of its window, and nothing to divide load by).
/// </summary>
internal sealed class SlowStartValidator : IConfigValidator
{
    public void Validate(MeshProxyConfig config, ConfigErrors errors)
    {
        foreach (var cluster in config.Clusters)
        {
            if (cluster.SlowStart is not { } slowStart)
            {
                continue;
            }

            var path = $"{ConfigPaths.Cluster(cluster.Name)}.slowStart";
            if (slowStart.Window < TimeSpan.FromSeconds(1) || slowStart.Window > TimeSpan.FromHours(1))
            {
                errors.Add($"{path}.window", $"{Duration.Format(slowStart.Window)} is out of range; expected 1s to 1h");
            }

            if (slowStart.Aggression is <= 0 or > 100)
            {
                errors.Add($"{path}.aggression", $"{slowStart.Aggression} is out of range; expected above 0 and at most 100");
            }

            if (slowStart.MinWeightPercent is < 1 or > 100)
            {
                errors.Add($"{path}.minWeightPercent", $"{slowStart.MinWeightPercent} is out of range; expected 1 to 100");
            }
        }
    }
}
