namespace MeshProxy.Configuration;

/// <summary>
/// Passive health of a cluster (<c>outlierDetection:</c>), in Envoy's vocabulary: a destination that fails too many
/// attempts in a row is ejected from the picks for a while. Every option is optional; the block itself is optional
/// and its absence means these defaults, so every cluster gets passive health unless both thresholds are 0.
/// </summary>
/// <param name="ConsecutiveGatewayFailures">
/// Gateway failures in a row (UNAVAILABLE, connect failure, reset, HTTP 502/503/504) that eject; 0 disables the
/// rule. Default 5.
/// </param>
/// <param name="ConsecutiveServerErrors">
/// Server errors in a row (gateway failures plus INTERNAL, UNKNOWN, DATA_LOSS, DEADLINE_EXCEEDED, HTTP 200 without
/// grpc-status, other 5xx) that eject; 0 disables the rule. Default 5.
/// </param>
/// <param name="Interval">How often ejections are reviewed: un-ejection and multiplier decay. Default 10s.</param>
/// <param name="BaseEjectionTime">An ejection lasts this times the destination's ejection multiplier. Default 30s.</param>
/// <param name="MaxEjectionTime">Cap of one ejection's length (never below the base time). Default 300s.</param>
/// <param name="MaxEjectionPercent">
/// Share of a cluster's destinations that may be ejected at once, counting the one about to be: with 3 destinations
/// 33 allows one, 66 two. Default 100 (see TrafficPolicy/README.md: Envoy's 10 forbids any ejection below 10
/// destinations; the panic threshold is the safety net instead).
/// </param>
/// <param name="PanicThreshold">
/// When the share of available destinations (neither ejected nor actively unhealthy) falls below this percent,
/// calls go to all destinations; 0 disables panic mode. Default 50, as Envoy.
/// </param>
internal sealed record OutlierDetectionConfig(
    int ConsecutiveGatewayFailures,
    int ConsecutiveServerErrors,
    TimeSpan Interval,
    TimeSpan BaseEjectionTime,
    TimeSpan MaxEjectionTime,
    int MaxEjectionPercent,
    int PanicThreshold)
{
    /// <summary>
    /// When true (the default), failures that originate in the sidecar (per-try timeouts, the call's deadline, connect
    /// failures, refused streams, connections lost before response headers: <see cref="TrafficPolicy.CallAttempt.LocalOrigin"/>)
    /// count only toward <see cref="ConsecutiveLocalOriginFailures"/>, not toward the backend's gateway and server-error
    /// counters (Envoy's <c>split_external_local_origin_errors</c>). False counts them as before: a per-try timeout is a
    /// server error, a connect failure a gateway failure.
    /// </summary>
    public bool SplitExternalLocalOriginErrors { get; init; } = true;

    /// <summary>
    /// Local-origin failures in a row that eject (Envoy's <c>consecutive_local_origin_failure</c>); only counted when
    /// <see cref="SplitExternalLocalOriginErrors"/> is on; 0 disables the rule. Default 5.
    /// </summary>
    public int ConsecutiveLocalOriginFailures { get; init; } = 5;

    /// <summary>
    /// How long a destination warms up after it first appears (at process start or when discovery or a reload adds it),
    /// after an ejection ends and after active health returns it: meanwhile timeouts of our own (per-try timeout, the
    /// call's deadline) are not counted at all, so a cold sidecar's slowness ejects nothing. Connect failures and the
    /// backend's own answers still count. Zero disables. Default 30s.
    /// </summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(30);

    public static OutlierDetectionConfig Default { get; } = new(
        ConsecutiveGatewayFailures: 5,
        ConsecutiveServerErrors: 5,
        Interval: TimeSpan.FromSeconds(10),
        BaseEjectionTime: TimeSpan.FromSeconds(30),
        MaxEjectionTime: TimeSpan.FromSeconds(300),
        MaxEjectionPercent: 100,
        PanicThreshold: 50);
}
