using MeshProxy.Configuration;
using MeshProxy.Grpc;

namespace MeshProxy.TrafficPolicy.Retries;

/// <summary>A route's <see cref="HedgingPolicyConfig"/>, compiled once per snapshot.</summary>
internal sealed class HedgingPolicy(HedgingPolicyConfig config)
{
    private readonly RetryPolicy _nonFatal = new(RetryPolicyConfig.Default with { RetryOn = config.NonFatalOn });

    public HedgingPolicyConfig Config { get; } = config;

    public int MaxAttempts => Config.MaxAttempts;

    public TimeSpan Delay => Config.Delay;

    /// <summary>Whether a Trailers-Only reply with this status lets the next try go at once instead of ending the call.</summary>
    public bool IsNonFatal(StatusCode status) => _nonFatal.RetriesStatus(status);
}
