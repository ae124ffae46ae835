namespace MeshProxy.Observability.AccessLog;

/// <summary>One access log line: everything known about a call when it ended.</summary>
internal sealed record AccessLogEntry(
    DateTimeOffset Time,
    string Method,
    string Route,
    string Cluster,
    string Backend,
    string Destination,
    int GrpcStatus,
    int HttpStatus,
    double DurationMs,
    int Attempts,
    long RequestBytes,
    long ResponseBytes,
    string RequestId,
    string? TraceId);
