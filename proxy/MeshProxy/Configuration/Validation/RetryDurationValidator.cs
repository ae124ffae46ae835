namespace MeshProxy.Configuration.Validation;

/// <summary>Retry durations are never negative.</summary>
internal sealed class RetryDurationValidator : IConfigValidator
{
    public void Validate(MeshProxyConfig config, ConfigErrors errors)
    {
        for (var i = 0; i < config.Routes.Count; i++)
        {
            var retry = config.Routes[i].Retry;
            var path = $"{ConfigPaths.Route(i)}.retry";
            Check(retry.PerTryTimeout, $"{path}.perTryTimeout", errors);
            Check(retry.BackoffBase, $"{path}.backoff.base", errors);
            Check(retry.BackoffMax, $"{path}.backoff.max", errors);
        }
    }

    private static void Check(TimeSpan value, string path, ConfigErrors errors)
    {
        if (value < TimeSpan.Zero)
        {
            errors.Add(path, $"-{Duration.Format(value.Negate())} must not be negative");
        }
    }
}
