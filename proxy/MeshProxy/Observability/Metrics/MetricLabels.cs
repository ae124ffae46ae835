namespace MeshProxy.Observability.Metrics;

/// <summary>
/// The label names of every MeshProxy metric. Only bounded values go in: names from the config (route, cluster,
/// backend = destination name), status codes and small enumerations; never paths, ids or addresses.
/// </summary>
internal static class MetricLabels
{
    public const string Route = "route";
    public const string Cluster = "cluster";
    public const string Backend = "backend";
    public const string GrpcStatus = "grpc_status";
    public const string HttpStatus = "http_status";
    public const string Protocol = "protocol";
    public const string Listener = "listener";
    public const string Reason = "reason";
    public const string Result = "result";
    public const string Stage = "stage";
    public const string State = "state";
    public const string Version = "version";

    /// <summary>Which certificate (workload or bundle); with <see cref="SpiffeId"/>, one sidecar's own identity (bounded).</summary>
    public const string Certificate = "certificate";
    public const string SpiffeId = "spiffe_id";
}
