namespace MeshProxy.Configuration.Validation;

/// <summary>
/// <c>hedging.maxAttempts</c> is 2 to 10, <c>hedging.delay</c> is not negative, and every <c>hedging.nonFatalOn</c>
/// entry is a retryOn status name (a transport failure is never fatal to a hedged call, so those names mean nothing here).
/// </summary>
internal sealed class HedgingValidator : IConfigValidator
{
    public void Validate(MeshProxyConfig config, ConfigErrors errors)
    {
        for (var i = 0; i < config.Routes.Count; i++)
        {
            if (config.Routes[i].Hedging is not { } hedging)
            {
                continue;
            }

            var path = $"{ConfigPaths.Route(i)}.hedging";
            if (hedging.MaxAttempts is < 2 or > RetryPolicyConfig.MaxMaxAttempts)
            {
                errors.Add($"{path}.maxAttempts", $"{hedging.MaxAttempts} is out of range; expected 2 to {RetryPolicyConfig.MaxMaxAttempts}");
            }

            if (hedging.Delay < TimeSpan.Zero)
            {
                errors.Add($"{path}.delay", "must not be negative");
            }

            for (var j = 0; j < hedging.NonFatalOn.Count; j++)
            {
                if (!RetryOnNames.TryParse(hedging.NonFatalOn[j], out var value) || value.Value > RetryOn.Unavailable)
                {
                    errors.Add($"{path}.nonFatalOn[{j}]", $"unknown status '{hedging.NonFatalOn[j]}'; supported: cancelled, deadline-exceeded, internal, resource-exhausted, unavailable");
                }
            }
        }
    }
}
