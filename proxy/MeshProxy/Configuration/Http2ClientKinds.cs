namespace MeshProxy.Configuration;

/// <summary>Names of <see cref="Http2ClientKind"/> in the config, and the process-wide default.</summary>
internal static class Http2ClientKinds
{
    /// <summary>
    /// The environment variable that sets the client of every cluster without <c>http2.client</c>, as Envoy gated its
    /// new HTTP/2 codec behind a runtime flag: <c>sockets</c> puts a whole sidecar back on SocketsHttpHandler without
    /// editing each cluster (and runs the test suite on it). A cluster with <c>tls:</c> keeps
    /// <see cref="Http2ClientKind.Sockets"/> either way.
    /// </summary>
    public const string EnvironmentVariable = "MESHPROXY_HTTP2_CLIENT";

    private static readonly string? Variable = Environment.GetEnvironmentVariable(EnvironmentVariable);

    /// <summary>
    /// The default read once from <see cref="EnvironmentVariable"/>; unset or empty is Lean, which is cheaper per call
    /// in every scenario of the load benchmark (docs/benchmarks.md, "The lean HTTP/2 upstream client").
    /// </summary>
    public static Http2ClientKind ProcessDefault { get; } = TryParse(Variable, out var kind) ? kind : Http2ClientKind.Lean;

    /// <summary>Why the variable cannot be used, or null: a config that relies on it is refused rather than silently run on Sockets.</summary>
    public static string? ProcessDefaultError { get; } = string.IsNullOrEmpty(Variable) || TryParse(Variable, out _)
        ? null
        : $"{EnvironmentVariable} is '{Variable}'; expected 'sockets' or 'lean'";

    public static bool TryParse(string? name, out Http2ClientKind kind)
    {
        switch (name)
        {
            case "sockets":
                kind = Http2ClientKind.Sockets;
                return true;
            case "lean":
                kind = Http2ClientKind.Lean;
                return true;
            default:
                kind = Http2ClientKind.Sockets;
                return false;
        }
    }

    public static string Format(Http2ClientKind kind) => kind == Http2ClientKind.Lean ? "lean" : "sockets";
}
