namespace MeshProxy.Configuration.Validation;

/// <summary>
/// <c>rateLimit.maxTokens</c> and <c>tokensPerFill</c> are at least 1, <c>tokensPerFill</c> is at most
/// <c>maxTokens</c> (the bucket cannot hold more), and <c>fillInterval</c> is 50ms or more (Envoy's minimum).
/// </summary>
internal sealed class RateLimitValidator : IConfigValidator
{
    public void Validate(MeshProxyConfig config, ConfigErrors errors)
    {
        for (var i = 0; i < config.Routes.Count; i++)
        {
            if (config.Routes[i].RateLimit is not { } limit)
            {
                continue;
            }

            var path = $"{ConfigPaths.Route(i)}.rateLimit";
            // tokensPerFill defaults to maxTokens, so a bad maxTokens makes one error, not two.
            if (limit.MaxTokens < 1)
            {
                errors.Add($"{path}.maxTokens", $"{limit.MaxTokens} must be at least 1");
            }
            else if (limit.TokensPerFill < 1)
            {
                errors.Add($"{path}.tokensPerFill", $"{limit.TokensPerFill} must be at least 1");
            }
            else if (limit.TokensPerFill > limit.MaxTokens)
            {
                errors.Add($"{path}.tokensPerFill", $"{limit.TokensPerFill} is more than maxTokens ({limit.MaxTokens}), which the bucket cannot hold");
            }

            if (limit.FillInterval < RateLimitConfig.MinFillInterval)
            {
                errors.Add($"{path}.fillInterval", $"{Duration.Format(limit.FillInterval)} is too short; expected 50ms or more");
            }
        }
    }
}
