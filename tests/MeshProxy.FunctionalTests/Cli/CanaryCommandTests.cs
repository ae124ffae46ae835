using System.Net;
using MeshProxy.Cli;
using MeshProxy.Configuration.Reload;
using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.FunctionalTests.Reload;
using MeshProxy.TestSupport;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests.Cli;

/// <summary>
/// <c>meshproxy canary set</c> (in-process through the command line entry) on the file a running sidecar reloads
/// live: the split moves on the next call, and a refused edit touches neither the file nor the live config.
/// </summary>
public sealed class CanaryCommandTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Method = "/canary.v1.Echo/Call";

    // Only file-system events can trigger a reload: the poll is off, so the rename itself must be seen.
    private static readonly ConfigReloadOptions WatchOnly = new() { PollInterval = Timeout.InfiniteTimeSpan };

    private readonly HttpClient _http = GrpcHttp.CreateClient();
    private NamedBackend _stable = null!;
    private NamedBackend _canary = null!;

    public async Task InitializeAsync()
    {
        _stable = await NamedBackend.StartAsync("stable").DefaultTimeout();
        _canary = await NamedBackend.StartAsync("canary").DefaultTimeout();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _stable.DisposeAsync();
        await _canary.DisposeAsync();
    }

    [Fact]
    public async Task Set_OnLiveSidecarFile_SplitMovesAndRefusedEditChangesNothing()
    {
        await using var sidecar = await ReloadingSidecar.StartAsync(Config(), WatchOnly, output);
        Assert.Equal(["stable"], await CallsAsync(sidecar, 20));

        // 100/0 -> 0/100: every call then reaches the canary.
        var (code, stdout, stderr) = await RunAsync("canary", "set", sidecar.ConfigPath, "echo", "stable=0", "canary=100");
        Assert.True(code == ExitCodes.Ok, stderr);
        Assert.Contains("echo: stable=0 (0%), canary=100 (100%)", stdout, StringComparison.Ordinal);
        var applied = await sidecar.WaitForGenerationAsync(2);
        Assert.Null(applied.LastError);
        Assert.Equal(["canary"], await CallsAsync(sidecar, 20));
        var edited = await File.ReadAllTextAsync(sidecar.ConfigPath);
        Assert.Equal(Config().Replace("weight: 100 }", "weight: 0 }", StringComparison.Ordinal).Replace("weight: 0   }", "weight: 100   }", StringComparison.Ordinal), edited);

        // All weights zero: refused before anything is written.
        (code, _, stderr) = await RunAsync("canary", "set", sidecar.ConfigPath, "echo", "canary=0");
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("routes[0].backends: all weights would be zero", stderr, StringComparison.Ordinal);
        Assert.Equal(edited, await File.ReadAllTextAsync(sidecar.ConfigPath));
        Assert.Equal([Path.GetFileName(sidecar.ConfigPath)], Directory.GetFiles(sidecar.Directory).Select(Path.GetFileName));

        // The live split is untouched: still generation 2, no failed reload, every call on the canary.
        Assert.Equal(["canary"], await CallsAsync(sidecar, 10));
        Assert.Equal(2, sidecar.Reloader.Status!.Generation);
        Assert.Null(sidecar.Reloader.Status.LastError);

        // And the sidecar still follows the file: a valid edit back to 100/0 applies as generation 3.
        (code, _, stderr) = await RunAsync("canary", "set", sidecar.ConfigPath, "echo", "stable=100", "canary=0");
        Assert.True(code == ExitCodes.Ok, stderr);
        await sidecar.WaitForGenerationAsync(3);
        Assert.Equal(["stable"], await CallsAsync(sidecar, 20));
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await CommandLine.CreateDefault().RunAsync(args, new CommandContext(stdout, stderr, CancellationToken.None)).DefaultTimeout();
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The distinct backends that answered <paramref name="count"/> calls.</summary>
    private async Task<string[]> CallsAsync(ReloadingSidecar sidecar, int count)
    {
        var answered = new SortedSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            using var request = GrpcHttp.UnaryRequest(sidecar.GrpcAddress, Method);
            using var response = await _http.SendAsync(request).DefaultTimeout();
            _ = await response.Content.ReadAsByteArrayAsync().DefaultTimeout();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("0", GrpcHttp.Status(response));
            answered.Add(response.Headers.GetValues("x-backend").Single());
        }

        return [.. answered];
    }

    private string Config() => $$"""
        # Canary of the echo service; `meshproxy canary set` edits the weights below in place.
        version: canary-test
        {{SampleStack.LoopbackListeners}}
        routes:
          - name: echo
            match: { prefix: /canary.v1. }
            backends:
              - { cluster: stable, weight: 100 }   # current release
              - { cluster: canary, weight: 0   }   # next release
        clusters:
          stable:
            destinations: [ { address: "{{_stable.Address}}" } ]
          canary:
            destinations: [ { address: "{{_canary.Address}}" } ]

        """;
}
