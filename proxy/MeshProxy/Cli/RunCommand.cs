using MeshProxy.Configuration;
using MeshProxy.Hosting;

namespace MeshProxy.Cli;

/// <summary><c>meshproxy run --config FILE</c>: start the sidecar and serve until SIGINT/SIGTERM.</summary>
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

        var result = ConfigLoader.LoadFile(path);
        if (!result.Succeeded)
        {
            context.Error.WriteLine($"{path}: {result.Errors.Count} error(s)");
            foreach (var error in result.Errors)
            {
                context.Error.WriteLine($"  {error}");
            }

            return ExitCodes.Failure;
        }

        return await ServeAsync(result.Config, context, onReady: null).ConfigureAwait(false);
    }

    /// <summary>Starts the sidecar and blocks until shutdown; a failed start (port in use...) is exit code 1.</summary>
    public static async Task<int> ServeAsync(MeshProxyConfig config, CommandContext context, Action<MeshProxyServer>? onReady)
    {
        MeshProxyServer server;
        try
        {
            server = await MeshProxyServer.StartAsync(config, logs: null, context.Cancellation).ConfigureAwait(false);
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
            onReady?.Invoke(server);
            await server.WaitForShutdownAsync(context.Cancellation).ConfigureAwait(false);
        }

        return ExitCodes.Ok;
    }
}
