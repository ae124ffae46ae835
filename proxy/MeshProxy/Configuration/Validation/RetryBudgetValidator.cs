namespace MeshProxy.Configuration.Validation;

/// <summary><c>retryBudget.percent</c> is 0 to 100 and <c>retryBudget.minConcurrency</c> is not negative.</summary>
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
        }
    }
}
