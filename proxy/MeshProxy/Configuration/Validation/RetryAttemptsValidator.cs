namespace MeshProxy.Configuration.Validation;

/// <summary><c>retry.maxAttempts</c> counts the first try too: 1 (no retries) to 10.</summary>
internal sealed class RetryAttemptsValidator : IConfigValidator
{
    public void Validate(MeshProxyConfig config, ConfigErrors errors)
    {
        for (var i = 0; i < config.Routes.Count; i++)
        {
            var attempts = config.Routes[i].Retry.MaxAttempts;
            if (attempts is < 1 or > RetryPolicyConfig.MaxMaxAttempts)
            {
                errors.Add($"{ConfigPaths.Route(i)}.retry.maxAttempts", $"{attempts} is out of range; expected 1 (no retries) to {RetryPolicyConfig.MaxMaxAttempts}");
            }
        }
    }
}
