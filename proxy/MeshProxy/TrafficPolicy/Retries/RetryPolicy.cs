using MeshProxy.Configuration;
using MeshProxy.Grpc;

namespace MeshProxy.TrafficPolicy.Retries;

/// <summary>A route's <see cref="RetryPolicyConfig"/>, compiled once per snapshot.</summary>
internal sealed class RetryPolicy
{
    public RetryPolicy(RetryPolicyConfig config)
    {
        Config = config;
        RetryOn = RetryOnNames.Parse(config.RetryOn);
    }

    public static RetryPolicy Default { get; } = new(RetryPolicyConfig.Default);

    public RetryPolicyConfig Config { get; }

    public RetryOn RetryOn { get; }

    public int MaxAttempts => Config.MaxAttempts;

    /// <summary>False when the route never retries (maxAttempts 1): the call then costs nothing extra.</summary>
    public bool Enabled => Config.MaxAttempts > 1 && RetryOn != RetryOn.None;

    /// <summary>Whether a Trailers-Only reply with this status may be retried.</summary>
    public bool RetriesStatus(StatusCode status) => status switch
    {
        StatusCode.Cancelled => (RetryOn & RetryOn.Cancelled) != 0,
        StatusCode.DeadlineExceeded => (RetryOn & RetryOn.DeadlineExceeded) != 0,
        StatusCode.ResourceExhausted => (RetryOn & RetryOn.ResourceExhausted) != 0,
        StatusCode.Internal => (RetryOn & RetryOn.Internal) != 0,
        StatusCode.Unavailable => (RetryOn & RetryOn.Unavailable) != 0,
        _ => false,
    };

    public bool Retries(RetryOn failure) => (RetryOn & failure) != 0;

    /// <summary>
    /// Exponential backoff with full jitter (gRPC A6, "Exponential backoff"): a uniform draw in
    /// [0, min(max, base * 2^(retry-1))), <paramref name="retry"/> counting from 1 for the first retry.
    /// </summary>
    public TimeSpan Backoff(int retry, Random random)
    {
        var cap = Config.BackoffBase.Ticks * Math.Pow(2, Math.Min(retry - 1, 62));
        var ticks = Math.Min(Config.BackoffMax.Ticks, cap);
        return TimeSpan.FromTicks((long)(random.NextDouble() * ticks));
    }
}
