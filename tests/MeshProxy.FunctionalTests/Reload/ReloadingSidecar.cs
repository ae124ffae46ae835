using System.Text.Json;
using MeshProxy.Configuration.Reload;
using MeshProxy.Hosting;
using MeshProxy.TestSupport;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests.Reload;

/// <summary>
/// An in-process sidecar started from a config file in its own temp directory, which a test then edits. Writes are
/// atomic (temp file + rename, as editors and kubectl cp do) so a reader never sees half a file.
/// </summary>
internal sealed class ReloadingSidecar : IAsyncDisposable
{
    private readonly TempPath _directory;

    private ReloadingSidecar(TempPath directory, string configPath, MeshProxyServer proxy, XunitLoggerProvider logs)
    {
        _directory = directory;
        ConfigPath = configPath;
        Proxy = proxy;
        Logs = logs;
    }

    public string Directory => _directory.Path;

    public string ConfigPath { get; }

    public MeshProxyServer Proxy { get; }

    public XunitLoggerProvider Logs { get; }

    public Uri GrpcAddress => Proxy.Address(ListenerName.Grpc);

    public ConfigReloader Reloader => (ConfigReloader)Proxy.Services.GetService(typeof(ConfigReloader))!;

    /// <summary>Writes <paramref name="yaml"/> to a fresh temp directory and starts on it (or on <paramref name="configPath"/> when the test laid out the directory itself).</summary>
    public static async Task<ReloadingSidecar> StartAsync(string yaml, ConfigReloadOptions options, ITestOutputHelper output, Func<string, string>? layout = null)
    {
        var directory = TempPath.Directory("reload");
        var path = layout is null ? Path.Combine(directory.Path, "meshproxy.yaml") : layout(directory.Path);
        if (layout is null)
        {
            await File.WriteAllTextAsync(path, yaml);
        }

        var logs = new XunitLoggerProvider(output);
        var proxy = await MeshProxyServer.StartFromFileAsync(path, options, logs).DefaultTimeout();
        return new ReloadingSidecar(directory, path, proxy, logs);
    }

    /// <summary>Replaces the config file atomically.</summary>
    public async Task WriteConfigAsync(string yaml)
    {
        var temp = Path.Combine(Directory, $".meshproxy.yaml.{Guid.NewGuid():N}.tmp");
        await File.WriteAllTextAsync(temp, yaml);
        File.Move(temp, ConfigPath, overwrite: true);
    }

    /// <summary>Waits (bounded) until the live generation reaches <paramref name="generation"/>.</summary>
    public async Task<ConfigReloadStatus> WaitForGenerationAsync(long generation)
    {
        var status = await WaitForAsync(s => s.Generation >= generation).DefaultTimeout();
        Assert.Equal(generation, status.Generation);
        return status;
    }

    /// <summary>Waits (bounded) for a status that satisfies <paramref name="condition"/>.</summary>
    public async Task<ConfigReloadStatus> WaitForAsync(Func<ConfigReloadStatus, bool> condition)
    {
        while (true)
        {
            // Take the signal before reading the status, so a change between the two is not missed.
            var next = Reloader.NextChange;
            if (Reloader.Status is { } status && condition(status))
            {
                return status;
            }

            await next.DefaultTimeout();
        }
    }

    /// <summary>GET /config on the admin listener.</summary>
    public async Task<JsonDocument> AdminConfigAsync()
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        var json = await http.GetStringAsync(new Uri(Proxy.Address(ListenerName.Admin), "/config")).DefaultTimeout();
        return JsonDocument.Parse(json);
    }

    public async ValueTask DisposeAsync()
    {
        await Proxy.DisposeAsync();
        _directory.Dispose();

        Assert.True(Logs.Errors.IsEmpty, "Unexpected error logs:\n" + string.Join('\n', Logs.Errors));
    }
}
