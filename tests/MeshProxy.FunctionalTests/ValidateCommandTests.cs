using Google.Protobuf;
using Google.Protobuf.Reflection;
using MeshProxy.Cli;
using MeshProxy.Transcoding.Rest;
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

    [Fact]
    public async Task Validate_BuiltinDescriptorSet_LoadsTheRestBindings()
    {
        var path = Write(ConfigWithDescriptorSet("builtin"));

        var (code, stdout, stderr) = await RunAsync("validate", path);

        Assert.True(code == 0, stderr);
        Assert.Matches(@"OK \(.*, [1-9][0-9]* REST bindings\)", stdout);
    }

    [Fact]
    public async Task Validate_MissingDescriptorSet_NamesTheFileAndExits1()
    {
        var path = Write(ConfigWithDescriptorSet("nope.pb"));

        var (code, stdout, stderr) = await RunAsync("validate", path);

        Assert.Equal(1, code);
        Assert.Empty(stdout);
        Assert.Contains("transcoding.descriptorSets[0]: cannot read " + Path.Combine(_directory, "nope.pb"), stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_CorruptDescriptorSet_Exits1()
    {
        await File.WriteAllBytesAsync(Path.Combine(_directory, "corrupt.pb"), [0x0a, 0xff, 0xff, 0x01]);
        var path = Write(ConfigWithDescriptorSet("corrupt.pb"));

        var (code, _, stderr) = await RunAsync("validate", path);

        Assert.Equal(1, code);
        Assert.Contains("is not a FileDescriptorSet", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_TwoMethodsWithOneRule_NamesBothMethodsAndExits1()
    {
        // A copy of GetUser under another name carries the same google.api.http rule: both bind GET /v1/users/{user_id}.
        var set = FileDescriptorSet.Parser.ParseFrom(await File.ReadAllBytesAsync(Path.Combine(AppContext.BaseDirectory, TranscodingPaths.BuiltinFileName)));
        var service = set.File.SelectMany(f => f.Service).Single(s => s.Name == "UserService");
        var copy = service.Method.Single(m => m.Name == "GetUser").Clone();
        copy.Name = "GetUserAgain";
        service.Method.Add(copy);
        await File.WriteAllBytesAsync(Path.Combine(_directory, "clash.pb"), set.ToByteArray());
        var path = Write(ConfigWithDescriptorSet("clash.pb"));

        var (code, _, stderr) = await RunAsync("validate", path);

        Assert.Equal(1, code);
        Assert.Contains("users.v1.UserService.GetUser", stderr, StringComparison.Ordinal);
        Assert.Contains("users.v1.UserService.GetUserAgain", stderr, StringComparison.Ordinal);
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

    private static string ConfigWithDescriptorSet(string file) => $$"""
        routes:
          - { name: users, match: { prefix: / }, cluster: users }
        clusters:
          users:
            destinations: [ { address: "http://127.0.0.1:50051" } ]
        transcoding:
          descriptorSets: [ "{{file}}" ]
        """;

    private string Write(string yaml)
    {
        var path = Path.Combine(_directory, "config.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }
}
