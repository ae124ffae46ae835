using System.Runtime.InteropServices;
using System.Xml.Linq;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.Cli;

/// <summary>
/// The real executable (<c>dotnet meshproxy.dll validate FILE</c>) loads the <c>transcoding:</c> descriptor sets as the
/// running sidecar does. Bad sets are compiled here by the protoc of the Grpc.Tools package from a small .proto.
/// </summary>
public sealed class ValidateDescriptorSetsTests : IDisposable
{
    private static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "meshproxy.dll");
    private readonly string _directory = Directory.CreateTempSubdirectory("meshproxy-validate-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Validate_BuiltinDescriptorSet_ExitsZeroAndCountsBindings()
    {
        var config = await WriteConfigAsync("builtin");

        var result = await ValidateAsync(config);

        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Contains("OK", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("REST bindings", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_MissingDescriptorSet_ExitsNonZeroNamingTheFile()
    {
        var config = await WriteConfigAsync("missing.pb");

        var result = await ValidateAsync(config);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("transcoding.descriptorSets[0]", result.StandardError, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(_directory, "missing.pb"), result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_CorruptDescriptorSet_ExitsNonZeroNamingTheFile()
    {
        // A truncated real set: protobuf parsing fails rather than yielding an empty set.
        var good = await CompileAsync("""
            syntax = "proto3";
            package corrupt.v1;
            message Thing { string name = 1; string description = 2; }
            """);
        var bytes = await File.ReadAllBytesAsync(good);
        await File.WriteAllBytesAsync(Path.Combine(_directory, "corrupt.pb"), bytes[..(bytes.Length - 5)]);
        var config = await WriteConfigAsync("corrupt.pb");

        var result = await ValidateAsync(config);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("corrupt.pb is not a FileDescriptorSet", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_TwoRulesOnSameMethodAndTemplate_WarnsNamingBothMethodsAndKeepsTheFirst()
    {
        var set = await CompileAsync("""
            syntax = "proto3";
            package clash.v1;
            import "google/api/annotations.proto";
            service Clash {
              rpc First(Req) returns (Req) { option (google.api.http) = { get: "/v1/things/{id}" }; }
              rpc Second(Req) returns (Req) { option (google.api.http) = { get: "/v1/things/{id}" }; }
            }
            message Req { string id = 1; }
            """);
        var config = await WriteConfigAsync(Path.GetFileName(set));

        var result = await ValidateAsync(config);

        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Contains("warning: transcoding.descriptorSets", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("duplicates", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("clash.v1.Clash.First", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("clash.v1.Clash.Second", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("1 REST bindings, 1 rule(s) left out", result.StandardOutput, StringComparison.Ordinal);
    }

    // Envoy's and grpc-gateway's test services bind GET "/"; one rule we cannot bind used to fail the whole set (issue 12).
    [Fact]
    public async Task Validate_RootTemplateAndOneBadRule_RootLoadsAndOnlyTheBadRuleIsReported()
    {
        var set = await CompileAsync("""
            syntax = "proto3";
            package edges.v1;
            import "google/api/annotations.proto";
            service Edges {
              rpc Index(Req) returns (Req) { option (google.api.http) = { get: "/" }; }
              rpc Broken(Req) returns (Req) { option (google.api.http) = { get: "/v1/{missing}" }; }
              rpc Fine(Req) returns (Req) { option (google.api.http) = { get: "/v1/things/{id}" }; }
            }
            message Req { string id = 1; }
            """);
        var config = await WriteConfigAsync(Path.GetFileName(set));

        var result = await ValidateAsync(config);

        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Contains("2 REST bindings, 1 rule(s) left out", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("edges.v1.Edges.Broken: GET /v1/{missing}", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("edges.v1.Edges.Index", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_TwoMissingSets_PrintsEveryError()
    {
        var config = await WriteConfigAsync("gone-a.pb", "gone-b.pb");

        var result = await ValidateAsync(config);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("2 error(s)", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("gone-a.pb", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("gone-b.pb", result.StandardError, StringComparison.Ordinal);
    }

    private async Task<string> WriteConfigAsync(params string[] descriptorSets)
    {
        var path = Path.Combine(_directory, $"config-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(path, $"""
            routes:
              - name: all
                match: {"{"} prefix: / {"}"}
                cluster: backend
            clusters:
              backend:
                destinations:
                  - address: http://127.0.0.1:1
            transcoding:
              descriptorSets: [{string.Join(", ", descriptorSets)}]
            """);
        return path;
    }

    private static async Task<ProcessResult> ValidateAsync(string config) =>
        await ProcessRunner.RunAsync("dotnet", [Dll, "validate", config], null, TimeSpan.FromMinutes(1)).DefaultTimeout();

    /// <summary>Compiles one .proto (importing google/api from the repository) into a descriptor set in the temp dir.</summary>
    private async Task<string> CompileAsync(string proto)
    {
        var name = $"p{Guid.NewGuid():N}";
        await File.WriteAllTextAsync(Path.Combine(_directory, name + ".proto"), proto);
        var output = Path.Combine(_directory, name + ".pb");
        var tools = GrpcToolsDirectory();
        var result = await ProcessRunner.RunAsync(
            Path.Combine(tools, "tools", ProtocPlatform(), OperatingSystem.IsWindows() ? "protoc.exe" : "protoc"),
            [
                $"-I{_directory}", $"-I{RepoPaths.Combine("protos")}", $"-I{RepoPaths.GoogleApiCommonProtos}", $"-I{Path.Combine(tools, "build", "native", "include")}",
                "--include_imports", $"--descriptor_set_out={output}", name + ".proto",
            ],
            _directory,
            TimeSpan.FromMinutes(1)).DefaultTimeout();
        Assert.True(result.ExitCode == 0, result.StandardError);
        return output;
    }

    /// <summary>The restored Grpc.Tools package, at the version Directory.Packages.props pins.</summary>
    private static string GrpcToolsDirectory()
    {
        var props = XDocument.Load(RepoPaths.Combine("Directory.Packages.props"));
        var version = props.Descendants("PackageVersion").Single(e => (string?)e.Attribute("Include") == "Grpc.Tools").Attribute("Version")!.Value;
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        return Path.Combine(packages, "grpc.tools", version);
    }

    private static string ProtocPlatform() => RuntimeInformation.OSArchitecture switch
    {
        Architecture.Arm64 when OperatingSystem.IsLinux() => "linux_arm64",
        _ when OperatingSystem.IsMacOS() => "macosx_universal",
        _ when OperatingSystem.IsWindows() => "windows_x64",
        _ => "linux_x64",
    };
}
