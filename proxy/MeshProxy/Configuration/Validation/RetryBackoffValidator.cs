namespace MeshProxy.Configuration.Validation;

/// <summary><c>retry.backoff.base</c> may not exceed <c>retry.backoff.max</c> (the cap would undercut the first delay).</summary>
internal sealed class RetryBackoffValidator : IConfigValidator
{
    public void Validate(MeshProxyConfig config, ConfigErrors errors)
    {
        for (var i = 0; i < config.Routes.Count; i++)
        {
            var retry = config.Routes[i].Retry;
            if (retry.BackoffBase >= TimeSpan.Zero && retry.BackoffMax >= TimeSpan.Zero && retry.BackoffBase > retry.BackoffMax)
            {
                errors.Add(
                    $"{ConfigPaths.Route(i)}.retry.backoff",
                    $"base {Duration.Format(retry.BackoffBase)} is greater than max {Duration.Format(retry.BackoffMax)}");
            }
        }
    }
}
