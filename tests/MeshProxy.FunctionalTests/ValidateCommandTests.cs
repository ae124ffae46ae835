using MeshProxy.Cli;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests;

/// <summary><c>meshproxy validate</c>, run in-process through the command line entry.</summary>
public sealed class ValidateCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("meshproxy-validate-").FullName;

    [Fact]
    public async Task Validate_DocumentedExample_IsOk()
    {
        var (code, stdout, stderr) = await RunAsync("validate", RepoPaths.Combine("config", "meshproxy.yaml"));

        Assert.Equal(0, code);
        Assert.Contains("OK", stdout, StringComparison.Ordinal);
        Assert.Contains("3 routes, 1 clusters", stdout, StringComparison.Ordinal);
        Assert.Empty(stderr);
    }

    [Fact]
    public async Task Validate_DemoConfig_IsOk()
    {
        var (code, _, stderr) = await RunAsync("validate", RepoPaths.Combine("config", "demo.yaml"));

        Assert.True(code == 0, stderr);
    }

    [Fact]
    public async Task Validate_BadFile_PrintsEveryErrorPathAndExits1()
    {
        var path = Write("""
            listeners:
              admin: { address: 10.0.0.1, port: 9900 }
            routes:
              - name: a
                match: { method: /users.v1.UserService }
                cluster: nowhere
              - name: a
                match: { prefix: /x, regex: "(" }
                backends: [ { cluster: c, weight: -1 } ]
                colour: blue
            clusters:
              c:
                destinations: [ { address: "ftp://x" } ]
            """);

        var (code, stdout, stderr) = await RunAsync("validate", path);

        Assert.Equal(1, code);
        Assert.Empty(stdout);
        foreach (var expected in new[]
        {
            "listeners.admin.address:",
            "routes[0].match.method:",
            "routes[0].cluster: unknown cluster 'nowhere'",
            "routes[1].name:",
            "routes[1].match: give exactly one",
            "routes[1].match.regex:",
            "routes[1].backends[0].weight:",
            "routes[1].colour: unknown key",
            "clusters.c.destinations[0].address:",
        })
        {
            Assert.Contains(expected, stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Validate_MissingFile_Exits1()
    {
        var (code, _, stderr) = await RunAsync("validate", Path.Combine(_directory, "nope.yaml"));

        Assert.Equal(1, code);
        Assert.Contains("cannot read", stderr, StringComparison.Ordinal);
    }

    // The same check start and reload make (RestEdgeAuthenticationTests.Start_JwksFileUnusable_...), with the same words.
    [Theory]
    [InlineData("missing", "cannot read it: ")]
    [InlineData("""{"keys": "not a list"}""", "it is not a JSON Web Key Set (RFC 7517): ")]
    [InlineData("""{"keys": []}""", "it holds no RSA or EC signing key")]
    public async Task Validate_JwksFileUnusable_Exits1WithTheReasonAtJwtJwksFile(string content, string reason)
    {
        var jwks = Path.Combine(_directory, "jwks.json");
        if (content != "missing")
        {
            await File.WriteAllTextAsync(jwks, content);
        }

        var (code, _, stderr) = await RunAsync("validate", Write(JwtConfig("jwks.json")));

        Assert.Equal(1, code);
        Assert.Contains($"jwt.jwksFile: cannot use {jwks}: {reason}", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_JwksFileWithAKey_IsOk()
    {
        using var issuer = TestJwtIssuer.Rsa("rsa-1");
        await File.WriteAllTextAsync(Path.Combine(_directory, "jwks.json"), TestJwtIssuer.Jwks(issuer));

        var (code, stdout, stderr) = await RunAsync("validate", Write(JwtConfig("jwks.json")));

        Assert.True(code == 0, stderr);
        Assert.Contains("OK", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_NoFile_IsUsageError()
    {
        var (code, _, _) = await RunAsync("validate");

        Assert.Equal(2, code);
    }

    [Fact]
    public async Task UnknownCommand_IsUsageError()
    {
        var (code, _, stderr) = await RunAsync("frobnicate");

        Assert.Equal(2, code);
        Assert.Contains("unknown command 'frobnicate'", stderr, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await CommandLine.CreateDefault().RunAsync(args, new CommandContext(stdout, stderr, CancellationToken.None)).DefaultTimeout();
        return (code, stdout.ToString(), stderr.ToString());
    }

    // The JWKS path is relative: validate resolves it against the config file's directory, as the sidecar does.
    private static string JwtConfig(string jwksFile) => $$"""
        jwt: { issuer: https://issuer.example, audiences: [ orders ], jwksFile: {{jwksFile}} }
        routes: [ { name: r, match: { prefix: / }, cluster: c } ]
        clusters: { c: { destinations: [ { address: "http://127.0.0.1:1" } ] } }
        """;

    private string Write(string yaml)
    {
        var path = Path.Combine(_directory, "config.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }
}
