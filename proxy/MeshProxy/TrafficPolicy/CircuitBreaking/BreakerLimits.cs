namespace MeshProxy.TrafficPolicy.CircuitBreaking;

/// <summary>The names of <see cref="BreakerLimit"/> in metrics, logs and the admin listener.</summary>
internal static class BreakerLimits
{
    public static string Name(BreakerLimit limit) => limit switch
    {
        BreakerLimit.Requests => "requests",
        BreakerLimit.Pending => "pending",
        _ => "retries",
    };
}
