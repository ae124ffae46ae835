namespace MeshProxy.Configuration.Validation;

/// <summary>
/// <c>retryBudget.percent</c> is 0 to 100, <c>minConcurrency</c> and <c>minRetriesPerSecond</c> are not negative,
/// <c>ratio</c> is 0 to 10 and <c>window</c> 1s to 5m.
/// </summary>
internal sealed class RetryBudgetValidator : IConfigValidator
{
    public void Validate(MeshProxyConfig config, ConfigErrors errors)
    {
        foreach (var cluster in config.Clusters)
        {
            var budget = cluster.RetryBudget;
            var path = $"{ConfigPaths.Cluster(cluster.Name)}.retryBudget";
            if (budget.Percent is < 0 or > 100)
            {
                errors.Add($"{path}.percent", $"{budget.Percent} is out of range; expected 0 to 100");
            }

            if (budget.MinConcurrency < 0)
            {
                errors.Add($"{path}.minConcurrency", $"{budget.MinConcurrency} must not be negative");
            }

            if (budget.Ratio is < 0 or > 10)
            {
                errors.Add($"{path}.ratio", $"{budget.Ratio} is out of range; expected 0 to 10");
            }

            if (budget.MinRetriesPerSecond < 0)
            {
                errors.Add($"{path}.minRetriesPerSecond", $"{budget.MinRetriesPerSecond} must not be negative");
            }

            if (budget.Window < TimeSpan.FromSeconds(1) || budget.Window > TimeSpan.FromMinutes(5))
            {
                errors.Add($"{path}.window", $"{Duration.Format(budget.Window)} is out of range; expected 1s to 5m");
            }
        }
    }
}
