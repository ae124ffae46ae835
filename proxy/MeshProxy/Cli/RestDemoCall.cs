namespace MeshProxy.Cli;

/// <summary>
/// One REST call the demo prints as a curl line: what it shows, the HTTP method, the path with its query, an optional
/// JSON body, extra curl options, and fragments of the response a user should see (checked by the functional tests).
/// </summary>
internal sealed record RestDemoCall(
    string Description,
    string HttpMethod,
    string PathAndQuery,
    string? Body,
    IReadOnlyList<string> CurlOptions,
    IReadOnlyList<string> ExpectedOutput)
{
    /// <summary>The arguments of <c>curl</c> against <paramref name="authority"/> (host:port).</summary>
    public string[] Arguments(string authority)
    {
        List<string> arguments = ["-sS", .. CurlOptions];
        if (HttpMethod != "GET")
        {
            arguments.AddRange(["-X", HttpMethod]);
        }

        if (Body is not null)
        {
            arguments.AddRange(["-H", "content-type: application/json", "-d", Body]);
        }

        arguments.Add($"http://{authority}{PathAndQuery}");
        return [.. arguments];
    }
}
