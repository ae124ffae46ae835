namespace MeshProxy.Cli;

/// <summary>
/// One <c>meshproxy call</c> the demo prints: what it shows, the method and options after the address, and fragments
/// of the output a user should see (the sample backends' seed data), which the functional tests check.
/// </summary>
internal sealed record DemoCall(
    string Description,
    string Method,
    IReadOnlyList<string> Options,
    IReadOnlyList<string> ExpectedStdout,
    IReadOnlyList<string> ExpectedStderr)
{
    /// <summary>The arguments of <c>meshproxy call</c> against <paramref name="authority"/> (host:port).</summary>
    public string[] Arguments(string authority) => [authority, Method, .. Options];
}
