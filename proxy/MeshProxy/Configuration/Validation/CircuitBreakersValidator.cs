namespace MeshProxy.Configuration.Validation;

/// <summary>
/// <c>circuitBreakers.maxRequests</c> and <c>maxRetries</c> are at least 1 (a cluster that takes no call is a route
/// to nowhere; no retries is the route's <c>retry.maxAttempts: 1</c>), <c>maxPendingRequests</c> is not negative.
/// </summary>
internal sealed class CircuitBreakersValidator : IConfigValidator
{
    public void Validate(MeshProxyConfig config, ConfigErrors errors)
    {
        foreach (var cluster in config.Clusters)
        {
            var breakers = cluster.CircuitBreakers;
            var path = $"{ConfigPaths.Cluster(cluster.Name)}.circuitBreakers";
            if (breakers.MaxRequests < 1)
            {
                errors.Add($"{path}.maxRequests", $"{breakers.MaxRequests} must be at least 1");
            }

            if (breakers.MaxPendingRequests < 0)
            {
                errors.Add($"{path}.maxPendingRequests", $"{breakers.MaxPendingRequests} must not be negative; 0 refuses at once when maxRequests are in flight");
            }

            if (breakers.MaxRetries is < 1)
            {
                errors.Add($"{path}.maxRetries", $"{breakers.MaxRetries} must be at least 1; to stop retries set the route's retry.maxAttempts: 1");
            }
        }
    }
}
