namespace MeshProxy.Configuration;

/// <summary>
/// The CORS policy of the REST listener (<c>browser.cors:</c>), applied to gRPC-Web, Connect and REST calls alike
/// (Fetch standard, CORS protocol). Read from the live config on every request, so an edit applies to the next one.
/// </summary>
internal sealed record CorsConfig
{
    /// <summary>
    /// Origins allowed to call, each exactly as a browser sends it (<c>scheme://host[:port]</c>, no path), or <c>*</c>
    /// for any origin. Required, at least one.
    /// </summary>
    public EquatableArray<string> AllowedOrigins { get; init; } = new([]);

    /// <summary>
    /// Request headers a page may send, beyond the ones the protocols need (which are always allowed: content-type,
    /// x-grpc-web, x-user-agent, grpc-timeout, connect-protocol-version, connect-timeout-ms). <c>*</c> allows any.
    /// Default none.
    /// </summary>
    public EquatableArray<string> AllowedHeaders { get; init; } = new([]);

    /// <summary>
    /// Response headers a page may read, beyond the ones the protocols need (always exposed: grpc-status, grpc-message,
    /// grpc-status-details-bin, connect-content-encoding, x-request-id). Default none.
    /// </summary>
    public EquatableArray<string> ExposedHeaders { get; init; } = new([]);

    /// <summary>How long a browser may cache a preflight answer (<c>Access-Control-Max-Age</c>). Default 10m; at most 24h.</summary>
    public TimeSpan MaxAge { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Whether pages may send cookies and HTTP auth (<c>Access-Control-Allow-Credentials</c>). Default false; not with origin <c>*</c>.</summary>
    public bool AllowCredentials { get; init; }
}
