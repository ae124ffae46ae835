using MeshProxy.Configuration;
using MeshProxy.Configuration.Reload;
using MeshProxy.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MeshProxy.Cli;

/// <summary>
/// <c>meshproxy run --config FILE</c>: start the sidecar and serve until SIGTERM/SIGINT or the admin listener's
/// <c>POST /drain</c> / <c>POST /quitquitquit</c>; each starts the graceful drain, and the process exits 0 once it ends.
/// </summary>
internal static class RunCommand
{
    public static async Task<int> RunAsync(string[] args, CommandContext context)
    {
        string? path = null;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is "--config" or "-c" && i + 1 < args.Length)
            {
                path = args[++i];
            }
            else
            {
                context.Error.WriteLine($"meshproxy run: unexpected argument '{args[i]}'.");
                context.Error.WriteLine("Usage: meshproxy run --config FILE");
                return ExitCodes.Usage;
            }
        }

        if (path is null)
        {
            context.Error.WriteLine("Usage: meshproxy run --config FILE");
            return ExitCodes.Usage;
        }

        // The file is watched: edits apply live, invalid ones are refused and logged (see ConfigFileWatcher).
        return await ServeAsync(
            ct => MeshProxyServer.StartFromFileAsync(path, ConfigReloadOptions.Default, logs: null, ct),
            context,
            onReady: null,
            path,
            drainOnSignal: true).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts the sidecar and blocks until shutdown; a failed start (port in use...) is exit code 1. A signal stops it
    /// at once (the demo is interactive); an admin drain still runs to its end.
    /// </summary>
    public static Task<int> ServeAsync(MeshProxyConfig config, CommandContext context, Action<MeshProxyServer>? onReady) =>
        ServeAsync(ct => MeshProxyServer.StartAsync(config, logs: null, ct), context, onReady, source: null, drainOnSignal: false);

    private static async Task<int> ServeAsync(
        Func<CancellationToken, Task<MeshProxyServer>> start,
        CommandContext context,
        Action<MeshProxyServer>? onReady,
        string? source,
        bool drainOnSignal)
    {
        MeshProxyServer server;
        try
        {
            server = await start(context.Cancellation).ConfigureAwait(false);
        }
        catch (ConfigLoadException ex) when (source is not null)
        {
            context.Error.WriteLine($"{source}: {ex.Errors.Count} error(s)");
            foreach (var error in ex.Errors)
            {
                context.Error.WriteLine($"  {error}");
            }

            return ExitCodes.Failure;
        }
        catch (OperationCanceledException) when (context.Cancellation.IsCancellationRequested)
        {
            return ExitCodes.Ok;
        }
        catch (IOException ex)
        {
            context.Error.WriteLine($"meshproxy: cannot start: {ex.Message}");
            return ExitCodes.Failure;
        }

        await using (server.ConfigureAwait(false))
        {
            // Start-up (the config, the descriptor sets, two hosts) leaves ~17 MB of garbage beside ~5 MB live:
            // trimmed at once, then again whenever traffic stops (IdleHeapTrim).
            var trim = new IdleHeapTrim(
                server.Services.GetRequiredService<TimeProvider>(),
                server.Services.GetRequiredService<ILoggerFactory>().CreateLogger<IdleHeapTrim>(),
                server.Services.GetRequiredService<ConnectionBufferPool>().ReleaseSpare);
            trim.Trim();
            using var stop = new CancellationTokenSource();
            var trimming = trim.RunAsync(stop.Token);
            onReady?.Invoke(server);
            try
            {
                await server.RunUntilDrainedAsync(context.Cancellation, drainOnSignal).ConfigureAwait(false);
            }
            finally
            {
                await stop.CancelAsync().ConfigureAwait(false);
                await trimming.ConfigureAwait(false);
            }
        }

        return ExitCodes.Ok;
    }
}
