namespace MeshProxy.Configuration;

/// <summary>
/// Active health checks of a cluster (<c>healthCheck:</c>): every destination is probed on a timer, and one that
/// fails <see cref="UnhealthyThreshold"/> probes in a row leaves the picks until it passes
/// <see cref="HealthyThreshold"/> in a row. Absent: no active checks. A destination counts as healthy until its
/// first probe has answered (Envoy's default is the opposite; a starting sidecar must serve).
/// </summary>
/// <param name="GrpcService">
/// <c>grpc: { service: NAME }</c>: probe with grpc.health.v1.Health/Check for this service ("" is the whole
/// server); SERVING passes, anything else fails. Null when <see cref="HttpPath"/> is set.
/// </param>
/// <param name="HttpPath"><c>http: { path: /healthz }</c>: probe with GET over h2c; a 2xx passes. Null for gRPC.</param>
/// <param name="Interval">Time between probes of a destination. Default 5s.</param>
/// <param name="Timeout">A probe not answered within this fails. Default 1s.</param>
/// <param name="UnhealthyThreshold">Failed probes in a row that mark a destination unhealthy. Default 2.</param>
/// <param name="HealthyThreshold">Passed probes in a row that mark an unhealthy destination healthy again. Default 1.</param>
/// <param name="MissingServiceIsHealthy">
/// Whether a destination without the health service (UNIMPLEMENTED) passes. Default false: it fails, since a
/// check was configured for it.
/// </param>
internal sealed record HealthCheckConfig(
    string? GrpcService,
    string? HttpPath,
    TimeSpan Interval,
    TimeSpan Timeout,
    int UnhealthyThreshold,
    int HealthyThreshold,
    bool MissingServiceIsHealthy)
{
    public static TimeSpan DefaultInterval { get; } = TimeSpan.FromSeconds(5);

    public static TimeSpan DefaultTimeout { get; } = TimeSpan.FromSeconds(1);

    public const int DefaultUnhealthyThreshold = 2;

    public const int DefaultHealthyThreshold = 1;
}
