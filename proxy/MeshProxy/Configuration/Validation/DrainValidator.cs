namespace MeshProxy.Configuration.Validation;

/// <summary>The drain's propagation delay is never negative and its deadline is above zero.</summary>
internal sealed class DrainValidator : IConfigValidator
{
    public void Validate(MeshProxyConfig config, ConfigErrors errors)
    {
        if (config.Drain.PropagationDelay < TimeSpan.Zero)
        {
            errors.Add("drain.propagationDelay", "must not be negative");
        }

        if (config.Drain.Deadline <= TimeSpan.Zero)
        {
            errors.Add("drain.deadline", "must be above 0s (in-flight calls need some time to finish)");
        }
    }
}
