using MeshProxy.Cli;
using MeshProxy.TestSupport;

namespace MeshProxy.Tests.Cli;

public sealed class CanaryCommandTests : IDisposable
{
    private const string Config = """
        # split of the users service
        routes:
          - name: users
            match: { method: /users.v1.UserService/* }
            backends:
              - { cluster: v1, weight: 90 }  # stable
              - { cluster: v2, weight: 10 }  # canary
          - name: rest
            match: { prefix: / }
            cluster: v1
        clusters:
          v1: { destinations: [ { address: "http://127.0.0.1:50051" } ] }
          v2: { destinations: [ { address: "http://127.0.0.1:50052" } ] }

        """;

    private readonly string _directory = Directory.CreateTempSubdirectory("meshproxy-canary-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Set_ValidEdit_RewritesOnlyTheNumbersAndPrintsTheSplit()
    {
        var path = await WriteAsync(Config);

        var (code, stdout, stderr) = await RunAsync("canary", "set", path, "users", "v1=25", "v2=75");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Empty(stderr);
        Assert.Contains("users: v1=25 (25%), v2=75 (75%)", stdout, StringComparison.Ordinal);
        Assert.Equal(Config.Replace("weight: 90 }", "weight: 25 }", StringComparison.Ordinal).Replace("weight: 10 }", "weight: 75 }", StringComparison.Ordinal), await File.ReadAllTextAsync(path));
        Assert.Equal([path], Directory.GetFiles(_directory));
    }

    [Fact]
    public async Task Set_ByteOrderMark_Kept()
    {
        var path = Path.Combine(_directory, "bom.yaml");
        await File.WriteAllBytesAsync(path, [0xEF, 0xBB, 0xBF, .. System.Text.Encoding.UTF8.GetBytes(Config)]);

        var (code, _, _) = await RunAsync("canary", "set", path, "users", "v2=11");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal([0xEF, 0xBB, 0xBF, .. System.Text.Encoding.UTF8.GetBytes(Config.Replace("weight: 10 }", "weight: 11 }", StringComparison.Ordinal))], await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task Set_EditTheValidatorRefuses_FileUnchangedEveryErrorWithPath()
    {
        // The edit itself is fine, but validate also judges the rest of the file: both errors are printed.
        var broken = Config.Replace("cluster: v1\n", "cluster: v1\n    timeout: soon\n    colour: red\n", StringComparison.Ordinal);
        var path = await WriteAsync(broken);

        var (code, stdout, stderr) = await RunAsync("canary", "set", path, "users", "v1=0", "v2=100");

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Empty(stdout);
        Assert.Contains("routes[1].timeout", stderr, StringComparison.Ordinal);
        Assert.Contains("routes[1].colour: unknown key", stderr, StringComparison.Ordinal);
        Assert.Contains("edit refused; the file is unchanged", stderr, StringComparison.Ordinal);
        Assert.Equal(broken, await File.ReadAllTextAsync(path));
        Assert.Equal([path], Directory.GetFiles(_directory));
    }

    [Theory]
    [InlineData("nope", "v1=1", "routes: no route named 'nope'")]
    [InlineData("rest", "v1=1", "routes[1].cluster: route 'rest' sends to one cluster")]
    [InlineData("users", "v3=1", "clusters: no cluster named 'v3'")]
    [InlineData("users", "v1=0 v2=0", "routes[0].backends: all weights would be zero")]
    public async Task Set_EditRefused_Exits1FileUnchanged(string route, string pairs, string error)
    {
        var path = await WriteAsync(Config);

        var (code, _, stderr) = await RunAsync(["canary", "set", path, route, .. pairs.Split(' ')]);

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains(error, stderr, StringComparison.Ordinal);
        Assert.Equal(Config, await File.ReadAllTextAsync(path));
    }

    [Theory]
    [InlineData("v1=-5", "must be an integer >= 0, found '-5'")]
    [InlineData("v1=1.5", "must be an integer >= 0, found '1.5'")]
    [InlineData("v1=", "must be an integer >= 0, found ''")]
    [InlineData("v1", "expected CLUSTER=WEIGHT, found 'v1'")]
    [InlineData("=5", "expected CLUSTER=WEIGHT, found '=5'")]
    public async Task Set_BadWeightArgument_IsUsageError(string pair, string error)
    {
        var path = await WriteAsync(Config);

        var (code, _, stderr) = await RunAsync("canary", "set", path, "users", pair);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(error, stderr, StringComparison.Ordinal);
        Assert.Equal(Config, await File.ReadAllTextAsync(path));
    }

    [Theory]
    [InlineData("canary")]
    [InlineData("canary", "set", "f.yaml", "users")]
    [InlineData("canary", "show")]
    [InlineData("canary", "grow", "f.yaml")]
    public async Task Canary_WrongCommandLine_IsUsageError(params string[] args)
    {
        var (code, _, stderr) = await RunAsync(args);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("Usage: meshproxy canary set FILE ROUTE CLUSTER=WEIGHT...", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Set_SymlinkedFile_EditsTargetAndKeepsLink()
    {
        var target = await WriteAsync(Config);
        var link = Path.Combine(_directory, "link.yaml");
        File.CreateSymbolicLink(link, Path.GetFileName(target));

        var (code, _, stderr) = await RunAsync("canary", "set", link, "users", "v2=20");

        Assert.True(code == ExitCodes.Ok, stderr);
        Assert.NotNull(new FileInfo(link).LinkTarget);
        Assert.Equal(Config.Replace("weight: 10 }", "weight: 20 }", StringComparison.Ordinal), await File.ReadAllTextAsync(target));
    }

    [Fact]
    public async Task Set_MissingFile_Exits1()
    {
        var (code, _, stderr) = await RunAsync("canary", "set", Path.Combine(_directory, "absent.yaml"), "users", "v1=1");

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("cannot read", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_PrintsEachRouteSplit()
    {
        var path = await WriteAsync(Config.Replace("weight: 10 }", "weight: 30 }", StringComparison.Ordinal));

        var (code, stdout, _) = await RunAsync("canary", "show", path);

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal(["users: v1=90 (75%), v2=30 (25%)", "rest: v1=100 (100%)"], stdout.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Show_InvalidFile_ErrorsWithPaths()
    {
        var path = await WriteAsync(Config.Replace("cluster: v1\n", "cluster: v9\n", StringComparison.Ordinal));

        var (code, _, stderr) = await RunAsync("canary", "show", path);

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("routes[1].cluster", stderr, StringComparison.Ordinal);
    }

    private async Task<string> WriteAsync(string content)
    {
        var path = Path.Combine(_directory, "meshproxy.yaml");
        await File.WriteAllTextAsync(path, content);
        return path;
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await CommandLine.CreateDefault().RunAsync(args, new CommandContext(stdout, stderr, CancellationToken.None)).DefaultTimeout();
        return (code, stdout.ToString(), stderr.ToString());
    }
}
