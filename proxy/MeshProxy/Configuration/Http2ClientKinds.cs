namespace MeshProxy.Configuration;

/// <summary>Names of <see cref="Http2ClientKind"/> in the config, and the process-wide default.</summary>
internal static class Http2ClientKinds
{
    /// <summary>
    /// The environment variable that sets the client of every cluster without <c>http2.client</c>, as Envoy gated its
    /// new HTTP/2 codec behind a runtime flag: it lets an operator (or the whole test suite) run on the lean client
    /// without editing each cluster. A cluster with <c>tls:</c> keeps <see cref="Http2ClientKind.Sockets"/>.
    /// </summary>
    public const string EnvironmentVariable = "MESHPROXY_HTTP2_CLIENT";

    private static readonly string? Variable = Environment.GetEnvironmentVariable(EnvironmentVariable);

    /// <summary>The default read once from <see cref="EnvironmentVariable"/>; unset or empty is Sockets.</summary>
    public static Http2ClientKind ProcessDefault { get; } = TryParse(Variable, out var kind) ? kind : Http2ClientKind.Sockets;

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
