namespace MeshProxy.Configuration.Validation;

/// <summary><c>retry.bufferLimit</c> is a byte count: zero (never replay a body) or more, at most 16 MiB.</summary>
internal sealed class RetryBufferLimitValidator : IConfigValidator
{
    /// <summary>A replay buffer per call in flight: a larger limit would let a few calls pin a lot of memory.</summary>
    public const int MaxBufferLimit = 16 * 1024 * 1024;

    public void Validate(MeshProxyConfig config, ConfigErrors errors)
    {
        for (var i = 0; i < config.Routes.Count; i++)
        {
            var limit = config.Routes[i].Retry.BufferLimit;
            if (limit is < 0 or > MaxBufferLimit)
            {
                errors.Add($"{ConfigPaths.Route(i)}.retry.bufferLimit", $"{limit} is out of range; expected 0 to {MaxBufferLimit} bytes");
            }
        }
    }
}
