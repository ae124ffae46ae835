using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using MeshProxy.Configuration;
using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.Hosting;
using MeshProxy.TestSupport;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests.Deployment;

/// <summary>
/// Docker is not available in CI, so the image's build step runs here as plain <c>dotnet publish</c>, from the same
/// build context (.dockerignore), and the published output is started the way the image's ENTRYPOINT starts it.
/// The image publishes Native AOT; ILC takes minutes on CI's two cores (over ten under load), more than a test may, so
/// CI publishes the same command with <c>PublishAot=false</c> (same context, RID and entrypoint name), while the trim,
/// AOT and single-file analyzers fail every build of the sidecar on code AOT cannot run (MeshProxy.csproj), and
/// bench/aot-smoke.sh runs the exact command: zero warnings, then the binary serves a gRPC and a REST call and exits 0.
/// </summary>
public sealed partial class PublishTests(ITestOutputHelper output)
{
    /// <summary>
    /// The Dockerfile's publish command, word for word; the output folder is the image's /app. The sample backends
    /// serve `meshproxy demo` on a developer machine and stay out of the production image.
    /// </summary>
    private static readonly string[] PublishCommand =
        ["dotnet", "publish", "proxy/MeshProxy", "-c", "Release", "-r", "linux-x64", "-p:PublishAot=true", "-o", "/app", "-p:IncludeSampleBackends=false"];

    /// <summary>What CI runs: the image's command with the JIT instead of ILC (see the class summary).</summary>
    private static string[] CiPublishCommand => [.. PublishCommand.Select(a => a == "-p:PublishAot=true" ? "-p:PublishAot=false" : a)];

    private static Dockerfile Image => Dockerfile.Load(RepoPaths.Combine("Dockerfile"));

    [Fact]
    public void Dockerfile_PublishCommand_IsNativeAotAndTheOneCiRunsWithTheJit()
    {
        Assert.Equal(PublishCommand, Image.Run("dotnet publish"));
        Assert.Equal(PublishCommand.Length, CiPublishCommand.Length);
        Assert.Equal(["-p:PublishAot=false"], CiPublishCommand.Except(PublishCommand).ToArray());
    }

    [Fact]
    public void Dockerfile_RuntimeStage_ChiseledNonRootWithEveryListenerPort()
    {
        var image = Image;
        // A Native AOT executable needs no .NET runtime in the image, only libc and OpenSSL.
        Assert.Matches(@"^mcr\.microsoft\.com/dotnet/runtime-deps:10\.0-[a-z]+-chiseled\b", image.RuntimeSingle("FROM"));
        Assert.Equal("64198", image.RuntimeSingle("USER"));
        Assert.Equal(["/app/meshproxy"], image.ExecForm("ENTRYPOINT"));
        Assert.Equal(["run", "--config", "/etc/meshproxy/meshproxy.yaml"], image.ExecForm("CMD"));
        Assert.Contains("DOTNET_EnableDiagnostics=0", image.RuntimeSingle("ENV"), StringComparison.Ordinal);
        // The shared ArrayPool sized for YARP's 64 KiB body buffers at a few hundred calls in flight (docs/benchmarks.md).
        Assert.Contains("DOTNET_SYSTEM_BUFFERS_SHAREDARRAYPOOL_MAXARRAYSPERPARTITION=256", image.RuntimeSingle("ENV"), StringComparison.Ordinal);

        // A fixed 16 MiB gen0 budget, in the bare hexadecimal the Native AOT runtime reads (with 0x it is ignored).
        Assert.Contains("DOTNET_GCgen0size=1000000", image.RuntimeSingle("ENV"), StringComparison.Ordinal);

        // 1 MiB GC regions (the runtime's default is 4 MiB), in the same bare hexadecimal.
        Assert.Contains("DOTNET_GCRegionSize=100000", image.RuntimeSingle("ENV"), StringComparison.Ordinal);

        var defaults = ListenersConfig.Default;
        var exposed = image.RuntimeSingle("EXPOSE").Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(p => int.Parse(p, CultureInfo.InvariantCulture));
        Assert.Equal(
            new[] { defaults.Grpc.Port, defaults.Rest.Port, defaults.Ops.Port, defaults.Admin.Port }.Order(),
            exposed.Order());
    }

    [Fact]
    public void SampleBackendDockerfile_PublishesTheSampleBackendsOnTheChiseledRuntime()
    {
        var image = Dockerfile.Load(RepoPaths.Combine("sample-backends", "Dockerfile"));
        Assert.Equal(["dotnet", "publish", "sample-backends/MeshProxy.SampleBackends", "-c", "Release", "-o", "/app"], image.Run("dotnet publish"));
        Assert.Matches(@"^mcr\.microsoft\.com/dotnet/aspnet:10\.0-[a-z]+-chiseled\b", image.RuntimeSingle("FROM"));
        Assert.Equal("64198", image.RuntimeSingle("USER"));
        Assert.Equal(["dotnet", "/app/MeshProxy.SampleBackends.dll"], image.ExecForm("ENTRYPOINT"));
    }

    /// <summary>
    /// The shipped build carries no EventSource (nothing can attach to the image: DOTNET_EnableDiagnostics=0), which the
    /// Web SDK would otherwise turn on for Native AOT; the JIT build keeps the SDK's default, so dotnet-counters and
    /// dotnet-trace still attach to it (bench/memory.sh, bench/profile.sh). Asked of MSBuild with the Dockerfile's own
    /// properties, since CI cannot afford the AOT publish itself.
    /// </summary>
    [Fact]
    public async Task NativeAotPublish_LeavesOutEventSource_JitBuildKeepsIt()
    {
        var imageProperties = PublishCommand.Where(a => a.StartsWith("-p:", StringComparison.Ordinal))
            .Append("-p:RuntimeIdentifier=" + PublishCommand[Array.IndexOf(PublishCommand, "-r") + 1]);
        Assert.Equal("false", await MsBuildPropertyAsync("EventSourceSupport", imageProperties));
        Assert.NotEqual("false", await MsBuildPropertyAsync("EventSourceSupport", []));
    }

    /// <summary>
    /// The image's x64 executable targets x86-64-v2 (docs/benchmarks.md, "x86-64-v2"); an arm64 publish keeps ILC's
    /// own default, which the x64 level would not fit. Asked of MSBuild with the Dockerfile's properties, as above.
    /// </summary>
    [Fact]
    public async Task NativeAotPublish_X64TargetsX86_64V2_Arm64KeepsItsDefault()
    {
        var imageProperties = PublishCommand.Where(a => a.StartsWith("-p:", StringComparison.Ordinal)).ToArray();
        Assert.Equal("x86-64-v2", await MsBuildPropertyAsync("IlcInstructionSet", [.. imageProperties, "-p:RuntimeIdentifier=" + PublishCommand[Array.IndexOf(PublishCommand, "-r") + 1]]));
        Assert.Equal(string.Empty, await MsBuildPropertyAsync("IlcInstructionSet", [.. imageProperties, "-p:RuntimeIdentifier=linux-arm64"]));
    }

    private static async Task<string> MsBuildPropertyAsync(string name, IEnumerable<string> properties)
    {
        string[] arguments = ["msbuild", RepoPaths.Combine("proxy", "MeshProxy", "MeshProxy.csproj"), $"-getProperty:{name}", .. properties];
        var result = await ProcessRunner.RunAsync("dotnet", arguments, RepoPaths.Root, TimeSpan.FromMinutes(2));
        Assert.True(result.ExitCode == 0, $"dotnet msbuild failed ({result.ExitCode}):\n{result.StandardOutput}\n{result.StandardError}");
        return result.StandardOutput.Trim();
    }

    [Fact]
    public async Task Publish_FromDockerContextWithTheJit_OutputStartsServesHealthAndStopsOnSigterm()
    {
        using var work = TempPath.Directory("publish");

        // 1. The build context docker would send, then the Dockerfile's command with /app mapped to a temp folder.
        var source = Path.Combine(work.Path, "src");
        var app = Path.Combine(work.Path, "app");
        var copied = DockerContext.Load(RepoPaths.Combine(".dockerignore")).CopyTo(RepoPaths.Root, source);
        Assert.True(copied > 0);
        var arguments = CiPublishCommand.Skip(1).Select(a => a == "/app" ? app : a).ToArray();
        var publish = await ProcessRunner.RunAsync(CiPublishCommand[0], arguments, source, TimeSpan.FromMinutes(8));
        Assert.True(publish.ExitCode == 0, $"dotnet publish failed ({publish.ExitCode}):\n{publish.StandardOutput}\n{publish.StandardError}");
        Assert.True(File.Exists(Path.Combine(app, "meshproxy")));
        Assert.Empty(Directory.EnumerateFiles(app, "MeshProxy.SampleBackends*", SearchOption.AllDirectories));
        Assert.DoesNotContain("MeshProxy.SampleBackends", await File.ReadAllTextAsync(Path.Combine(app, "meshproxy.deps.json")), StringComparison.Ordinal);

        // The GC the csproj asks for (the same MSBuild properties set the AOT executable's runtime knobs): workstation,
        // concurrent. A misspelt property once left the Web SDK's server GC in place without a word.
        using (var runtimeConfig = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(app, "meshproxy.runtimeconfig.json"))))
        {
            var knobs = runtimeConfig.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");
            Assert.False(knobs.GetProperty("System.GC.Server").GetBoolean());
            Assert.False(knobs.TryGetProperty("System.GC.Concurrent", out var concurrent) && !concurrent.GetBoolean());

            // A fixed thread pool, one worker per CPU (no hill climbing): the same option reaches the AOT executable.
            Assert.True(knobs.GetProperty("System.Threading.ThreadPool.HillClimbing.Disable").GetBoolean());
        }

        // 2. The image's ENTRYPOINT + CMD, with /app and the config path mapped the same way.
        var config = Path.Combine(work.Path, "meshproxy.yaml");
        await File.WriteAllTextAsync(config, """
            listeners:
              grpc: { address: 127.0.0.1, port: 0 }
              rest: { address: 127.0.0.1, port: 0 }
              ops: { address: 127.0.0.1, port: 0 }
              admin: { address: 127.0.0.1, port: 0 }
            drain: { propagationDelay: 0s, deadline: 5s }
            routes:
              - name: all
                match: { prefix: / }
                cluster: nowhere
            clusters:
              nowhere:
                destinations:
                  - address: http://127.0.0.1:9
            transcoding:
              descriptorSets: [builtin]
            """);
        var image = Image;
        var command = image.ExecForm("ENTRYPOINT").Concat(image.ExecForm("CMD"))
            .Select(a => a.Replace("/app/", app + "/", StringComparison.Ordinal).Replace("/etc/meshproxy/meshproxy.yaml", config, StringComparison.Ordinal))
            .ToArray();
        var start = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            Environment = { ["DOTNET_EnableDiagnostics"] = "0" },
        };
        foreach (var argument in command.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        var started = DateTime.UtcNow;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the published sidecar.");
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            var (grpc, ops) = await ReadEndpointsAsync(process).DefaultTimeout();
            using var client = new HttpClient();
            var live = await client.GetAsync(new Uri($"http://{ops}/healthz/live")).DefaultTimeout();
            Assert.Equal(System.Net.HttpStatusCode.OK, live.StatusCode);

            // A call (its cluster has nothing listening) is given a request id.
            using var grpcClient = GrpcHttp.CreateClient();
            using var call = await grpcClient.SendAsync(GrpcHttp.UnaryRequest(new Uri($"http://{grpc}"), "/users.v1.UserService/GetUser")).DefaultTimeout();
            await call.Content.ReadAsByteArrayAsync().DefaultTimeout();
            var status = call.TrailingHeaders.TryGetValues("grpc-status", out var trailer) ? trailer : call.Headers.GetValues("grpc-status");
            Assert.Equal("14", Assert.Single(status));
            Assert.Single(call.Headers.GetValues("x-request-id"));

            // Without TLS nothing loads OpenSSL: the config's and descriptor sets' fingerprints are XXH128, not
            // SHA-256, and the request ids' random prefix comes from Guid.NewGuid, since loading libssl and
            // libcrypto costs every sidecar 3.7 MiB (docs/benchmarks.md).
            var maps = await File.ReadAllTextAsync($"/proc/{process.Id}/maps");
            Assert.DoesNotContain("libssl", maps, StringComparison.Ordinal);
            Assert.DoesNotContain("libcrypto", maps, StringComparison.Ordinal);

            // The start-up trim unmapped the executable's read-only pages (Hosting/ExecutablePages), and nothing runs
            // the apphost's own code after start to map it back (its headers are read again by the unwinder).
            var executable = Path.Combine(app, "meshproxy");
            Assert.Contains(executable, maps, StringComparison.Ordinal);
            while (ExecutablePages.CleanReadOnlyMappings(File.ReadAllBytes($"/proc/{process.Id}/smaps"), executable).Where(m => m.Executable).ToList() is { Count: > 0 } resident)
            {
                Assert.True(process.WaitForExit(50) is false, "the sidecar exited");
                Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(20), $"code still resident 20 s after start: {string.Join(", ", resident)}");
            }

            var kill = await ProcessRunner.RunAsync("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)], null, TimeSpan.FromSeconds(10)).DefaultTimeout();
            Assert.Equal(0, kill.ExitCode);
            await process.WaitForExitAsync().DefaultTimeout();
            Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}; stderr: {await stderr.DefaultTimeout()}");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    /// <summary>The gRPC and ops listeners' endpoints, from the log lines that bind them (gRPC is bound first).</summary>
    private async Task<(string Grpc, string Ops)> ReadEndpointsAsync(Process process)
    {
        string? grpc = null;
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            output.WriteLine(line);
            if (ListenerBound().Match(line) is not { Success: true } match)
            {
                continue;
            }

            if (match.Groups["name"].Value == "grpc")
            {
                grpc = match.Groups["endpoint"].Value;
            }
            else if (match.Groups["name"].Value == "ops")
            {
                // Keep draining stdout so the child never blocks on a full pipe.
                _ = process.StandardOutput.ReadToEndAsync();
                return (grpc ?? throw new InvalidOperationException("The ops listener was bound before the gRPC one."), match.Groups["endpoint"].Value);
            }
        }

        throw new InvalidOperationException("The sidecar exited before binding its ops listener.");
    }

    [GeneratedRegex(@"Listener (?<name>grpc|ops) bound to (?<endpoint>[0-9.]+:\d+)\.")]
    private static partial Regex ListenerBound();
}
