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
    string? TraceId)
{
    /// <summary>The caller's SPIFFE ID (mTLS); null on cleartext.</summary>
    public string? Caller { get; init; }

    /// <summary>The validated JWT's <c>iss/sub</c> (REST listener); null without a token.</summary>
    public string? RequestPrincipal { get; init; }
}
