namespace MeshProxy.Configuration;

/// <summary>
/// The optional JSON access log (<c>accessLog:</c>): one line per gRPC call, written off the request path.
/// </summary>
/// <param name="Enabled">Whether calls are logged at all. Default false.</param>
/// <param name="SampleRate">The fraction of calls logged, from 0 to 1. Default 1 (every call).</param>
/// <param name="Path"><c>stdout</c>, or a file the lines are appended to. Default stdout.</param>
internal sealed record AccessLogConfig(bool Enabled, double SampleRate, string Path)
{
    public const string Stdout = "stdout";

    public static AccessLogConfig Default { get; } = new(false, 1.0, Stdout);
}
