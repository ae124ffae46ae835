namespace MeshProxy.Configuration;

/// <summary>
/// Browser protocols on the REST listener (top-level <c>browser:</c>): gRPC-Web and the Connect protocol, each turned
/// into the same gRPC call as the gRPC listener's (same routes, splits and traffic policy), and the CORS policy that lets
/// pages of other origins call them. Without the section the REST listener serves REST transcoding only.
/// </summary>
internal sealed record BrowserConfig
{
    /// <summary>Serve <c>application/grpc-web</c>, <c>application/grpc-web+proto</c> and <c>application/grpc-web-text</c>. Default true.</summary>
    public bool GrpcWeb { get; init; } = true;

    /// <summary>Serve the Connect protocol (unary <c>application/json</c> and <c>application/proto</c>, streaming <c>application/connect+json</c> and <c>+proto</c>). Default true.</summary>
    public bool Connect { get; init; } = true;

    /// <summary>The largest Connect request message accepted, in bytes. Default 4 MiB (gRPC's default receive limit).</summary>
    public int MaxRequestBodyBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>Cross-origin access; null (no <c>cors:</c>) answers no preflight and adds no CORS header, so only same-origin pages may call.</summary>
    public CorsConfig? Cors { get; init; }
}
