using System.Net;
using System.Net.Http.Headers;
using MeshProxy.Configuration.Reload;
using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.TestSupport;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests.Reload;

/// <summary>Edits of the config file apply live over real sockets, without failing a call or cutting a stream.</summary>
public sealed class LiveReloadTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Method = "/reload.v1.Echo/Call";

    // Only file-system events can trigger a reload here: the poll is off, so a pass proves the watcher.
    private static readonly ConfigReloadOptions WatchOnly = new() { PollInterval = Timeout.InfiniteTimeSpan };

    private readonly HttpClient _http = GrpcHttp.CreateClient();
    private NamedBackend _blue = null!;
    private NamedBackend _green = null!;

    public async Task InitializeAsync()
    {
        _blue = await NamedBackend.StartAsync("blue").DefaultTimeout();
        _green = await NamedBackend.StartAsync("green").DefaultTimeout();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _blue.DisposeAsync();
        await _green.DisposeAsync();
    }

    [Fact]
    public async Task Edit_RouteMovedToOtherCluster_CallsGoToNewBackend()
    {
        await using var sidecar = await ReloadingSidecar.StartAsync(Config("v1", blue: 100, green: 0), WatchOnly, output);
        Assert.Equal("blue", await CallAsync(sidecar));

        await sidecar.WriteConfigAsync(Config("v2", blue: 0, green: 100));
        await sidecar.WaitForGenerationAsync(2);

        Assert.Equal("green", await CallAsync(sidecar));
        Assert.Equal("green", await CallAsync(sidecar));
    }

    [Fact]
    public async Task Edit_WeightsUnderLoad_NoCallFails()
    {
        await using var sidecar = await ReloadingSidecar.StartAsync(Config("w0", blue: 100, green: 0), WatchOnly, output);
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var calls = new CallCounter();
        using var stop = new CancellationTokenSource();

        async Task WorkerAsync()
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var request = GrpcHttp.UnaryRequest(sidecar.GrpcAddress, Method);
                    using var response = await _http.SendAsync(request).DefaultTimeout();
                    _ = await response.Content.ReadAsByteArrayAsync().DefaultTimeout();
                    if (GrpcHttp.Status(response) != "0")
                    {
                        failures.Enqueue($"grpc-status {GrpcHttp.Status(response)}");
                    }
                }
                catch (HttpRequestException ex)
                {
                    failures.Enqueue(ex.Message);
                }

                calls.Increment();
            }
        }

        var workers = Enumerable.Range(0, 8).Select(_ => Task.Run(WorkerAsync)).ToArray();
        (int Blue, int Green)[] steps = [(90, 10), (50, 50), (10, 90), (0, 100)];
        for (var i = 0; i < steps.Length; i++)
        {
            // Let some calls run on each generation before the next edit.
            await calls.WaitForMoreAsync(75).DefaultTimeout();
            await sidecar.WriteConfigAsync(Config($"w{i + 1}", steps[i].Blue, steps[i].Green));
            await sidecar.WaitForGenerationAsync(i + 2);
        }

        var greenBefore = _green.Calls;
        await calls.WaitForMoreAsync(75).DefaultTimeout();
        await stop.CancelAsync();
        await Task.WhenAll(workers).DefaultTimeout();

        Assert.Empty(failures);
        Assert.True(calls.Count >= 375, $"only {calls.Count} calls");
        Assert.True(_green.Calls > greenBefore);
        Assert.Equal("green", await CallAsync(sidecar));
    }

    [Fact]
    public async Task Edit_ServerStreamInFlight_StreamCompletesOnOldBackend()
    {
        // No grace period: the removed cluster's client is kept alive only by the call counting the stream.
        var options = WatchOnly with { RetiredClusterGrace = TimeSpan.Zero };
        await using var sidecar = await ReloadingSidecar.StartAsync(Config("s1", blue: 100, green: 0), options, output);
        using var request = GrpcHttp.UnaryRequest(sidecar.GrpcAddress, "/reload.v1.Echo/Stream");
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).DefaultTimeout();
        var body = await response.Content.ReadAsStreamAsync().DefaultTimeout();
        Assert.Equal("blue", await ReadMessageAsync(body));

        // The edit drops cluster blue entirely.
        await sidecar.WriteConfigAsync(Config("s2", blue: null, green: 100));
        await sidecar.WaitForGenerationAsync(2);
        Assert.Equal("green", await CallAsync(sidecar));
        _blue.ReleaseStreams();

        Assert.Equal("blue", await ReadMessageAsync(body));
        Assert.Equal(0, await body.ReadAsync(new byte[1]).AsTask().DefaultTimeout());
        Assert.Equal("0", GrpcHttp.Status(response));
    }

    [Fact]
    public async Task Edit_Invalid_RefusedWithPathsOldConfigServesThenValidEditApplies()
    {
        await using var sidecar = await ReloadingSidecar.StartAsync(Config("good-1", blue: 100, green: 0), WatchOnly, output);

        await sidecar.WriteConfigAsync(Config("bad", blue: 0, green: 100)
            .Replace("weight: 100", "weight: lots", StringComparison.Ordinal)
            .Replace("cluster: green", "cluster: purple", StringComparison.Ordinal));
        var refused = await sidecar.WaitForAsync(s => s.LastError is not null);

        Assert.Equal(1, refused.Generation);
        using (var admin = await sidecar.AdminConfigAsync())
        {
            var root = admin.RootElement;
            Assert.Equal("good-1", root.GetProperty("version").GetString());
            var reload = root.GetProperty("reload");
            Assert.Equal(1, reload.GetProperty("generation").GetInt64());
            var paths = reload.GetProperty("lastError").GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("path").GetString()).ToArray();
            Assert.Contains("routes[0].backends[1].weight", paths);
            Assert.Contains("routes[0].backends[1].cluster", paths);
        }

        Assert.Equal("blue", await CallAsync(sidecar));

        await sidecar.WriteConfigAsync(Config("good-2", blue: 0, green: 100));
        var applied = await sidecar.WaitForGenerationAsync(2);

        Assert.Null(applied.LastError);
        Assert.Equal("green", await CallAsync(sidecar));
        using var after = await sidecar.AdminConfigAsync();
        Assert.Equal("good-2", after.RootElement.GetProperty("version").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, after.RootElement.GetProperty("reload").GetProperty("lastError").ValueKind);
        Assert.Equal(applied.Hash, after.RootElement.GetProperty("reload").GetProperty("hash").GetString());
    }

    [Fact]
    public async Task Edit_ListenerPort_WholeEditRefused()
    {
        await using var sidecar = await ReloadingSidecar.StartAsync(Config("l1", blue: 100, green: 0), WatchOnly, output);

        await sidecar.WriteConfigAsync(Config("l2", blue: 0, green: 100).Replace("grpc:  { address: 127.0.0.1, port: 0 }", "grpc:  { address: 127.0.0.1, port: 7099 }", StringComparison.Ordinal));
        var refused = await sidecar.WaitForAsync(s => s.LastError is not null);

        var error = Assert.Single(refused.LastError!.Errors);
        Assert.Equal("listeners.grpc.port", error.Path);
        Assert.Contains("changing a listener needs a restart", error.Message, StringComparison.Ordinal);
        Assert.Equal("blue", await CallAsync(sidecar));
    }

    [Fact]
    public async Task ConfigMapSymlinkSwap_LikeKubelet_IsPickedUp()
    {
        await using var sidecar = await ReloadingSidecar.StartAsync(string.Empty, WatchOnly, output, directory =>
        {
            // The layout of a ConfigMap volume: meshproxy.yaml -> ..data/meshproxy.yaml, ..data -> ..<timestamp>.
            var first = Path.Combine(directory, "..2026_11_22_08_00_00.000000001");
            Directory.CreateDirectory(first);
            File.WriteAllText(Path.Combine(first, "meshproxy.yaml"), Config("cm-1", blue: 100, green: 0));
            File.CreateSymbolicLink(Path.Combine(directory, "..data"), Path.GetFileName(first));
            return File.CreateSymbolicLink(Path.Combine(directory, "meshproxy.yaml"), Path.Combine("..data", "meshproxy.yaml")).FullName;
        });
        Assert.Equal("blue", await CallAsync(sidecar));

        // kubelet's atomic update (AtomicWriter): write a new timestamped directory, point ..data_tmp at it, then
        // rename ..data_tmp over ..data. The file's own symlink never changes.
        var second = Path.Combine(sidecar.Directory, "..2026_11_22_08_01_00.000000002");
        Directory.CreateDirectory(second);
        await File.WriteAllTextAsync(Path.Combine(second, "meshproxy.yaml"), Config("cm-2", blue: 0, green: 100));
        File.CreateSymbolicLink(Path.Combine(sidecar.Directory, "..data_tmp"), Path.GetFileName(second));
        Assert.Equal(0, Rename(Path.Combine(sidecar.Directory, "..data_tmp"), Path.Combine(sidecar.Directory, "..data")));
        Directory.Delete(Path.Combine(sidecar.Directory, "..2026_11_22_08_00_00.000000001"), recursive: true);

        var status = await sidecar.WaitForGenerationAsync(2);

        Assert.Null(status.LastError);
        Assert.Equal("green", await CallAsync(sidecar));
    }

    [Fact]
    public async Task Edit_AnotherFileOfTheFolderWrittenNonstop_IsPickedUpAtOnce()
    {
        // A log beside the config, written every 10 ms from a thread of its own (the pool's delays could leave a gap):
        // when every event in the folder restarted the 200 ms debounce, the edit waited for these writes to stop
        // (WatchOnly has no poll), past the wait's 30 s. Bounded to 40 s.
        await using var sidecar = await ReloadingSidecar.StartAsync(Config("n1", blue: 100, green: 0), WatchOnly, output);
        var log = Path.Combine(sidecar.Directory, "requests.log");
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(40));
        var writing = new Thread(() =>
        {
            for (var line = 0; !stop.IsCancellationRequested; line++)
            {
                File.AppendAllText(log, $"request {line}\n");
                Thread.Sleep(10);
            }
        }) { IsBackground = true };
        writing.Start();
        try
        {
            await sidecar.WriteConfigAsync(Config("n2", blue: 0, green: 100));
            var status = await sidecar.WaitForGenerationAsync(2);

            Assert.Null(status.LastError);
            Assert.Equal("green", await CallAsync(sidecar));
            Assert.True(writing.IsAlive, "the log was still being written when the edit applied");
        }
        finally
        {
            await stop.CancelAsync();
            Assert.True(writing.Join(TimeSpan.FromSeconds(5)));
        }
    }

    [Fact]
    public async Task Poll_WatcherDisabled_CatchesChange()
    {
        var pollOnly = new ConfigReloadOptions { WatchFileSystem = false, PollInterval = TimeSpan.FromMilliseconds(100) };
        await using var sidecar = await ReloadingSidecar.StartAsync(Config("p1", blue: 100, green: 0), pollOnly, output);

        await sidecar.WriteConfigAsync(Config("p2", blue: 0, green: 100));
        await sidecar.WaitForGenerationAsync(2);

        Assert.Equal("green", await CallAsync(sidecar));
    }

    // rename(2), as kubelet's os.Rename: File.Move and Directory.Move follow the symlink and refuse this swap.
    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "rename", SetLastError = true)]
#pragma warning disable SYSLIB1054, CA2101 // A plain libc call; LibraryImport would need unsafe blocks in the test project.
    private static extern int Rename([System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string from, [System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string to);
#pragma warning restore SYSLIB1054, CA2101

    private async Task<string> CallAsync(ReloadingSidecar sidecar)
    {
        using var request = GrpcHttp.UnaryRequest(sidecar.GrpcAddress, Method);
        using var response = await _http.SendAsync(request).DefaultTimeout();
        _ = await response.Content.ReadAsByteArrayAsync().DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("0", GrpcHttp.Status(response));
        return response.Headers.GetValues("x-backend").Single();
    }

    private static async Task<string> ReadMessageAsync(Stream body)
    {
        var header = new byte[5];
        await body.ReadExactlyAsync(header).AsTask().DefaultTimeout();
        var payload = new byte[System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(1))];
        await body.ReadExactlyAsync(payload).AsTask().DefaultTimeout();
        return System.Text.Encoding.UTF8.GetString(payload);
    }

    private string Config(string version, int? blue, int green)
    {
        // Cluster blue is left out entirely when it has no weight (null).
        string[] lines =
        [
            $"version: {version}",
            "listeners:",
            "  grpc:  { address: 127.0.0.1, port: 0 }",
            "  rest:  { address: 127.0.0.1, port: 0 }",
            "  ops:   { address: 127.0.0.1, port: 0 }",
            "  admin: { address: 127.0.0.1, port: 0 }",
            "routes:",
            "  - name: echo",
            "    match: { prefix: /reload.v1. }",
            "    backends:",
            .. blue is { } weight ? [$"      - {{ cluster: blue, weight: {weight} }}"] : Array.Empty<string>(),
            $"      - {{ cluster: green, weight: {green} }}",
            "clusters:",
            "  green:",
            $"    destinations: [ {{ address: \"{_green.Address}\" }} ]",
            .. blue is null ? Array.Empty<string>() : ["  blue:", $"    destinations: [ {{ address: \"{_blue.Address}\" }} ]"],
        ];
        return string.Join('\n', lines) + "\n";
    }
}
