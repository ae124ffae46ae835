using System.Runtime.InteropServices;
using MeshProxy.SampleBackends.CommandLine;
using MeshProxy.SampleBackends.Hosting;
using Microsoft.Extensions.Logging;

namespace MeshProxy.SampleBackends;

internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        var parsed = SampleBackendCommandLine.Parse(args);
        if (parsed.HelpRequested)
        {
            Console.Out.WriteLine(SampleBackendCommandLine.Usage);
            return 0;
        }

        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                Console.Error.WriteLine(error);
            }

            Console.Error.WriteLine(SampleBackendCommandLine.Usage);
            return 2;
        }

        // SIGTERM (Kubernetes, the demo) and Ctrl+C both stop the backend cleanly.
        using var stop = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });

        // Logs go to stderr, so stdout carries only the "listening on" line that launchers wait for.
        using var logs = LoggerFactory.Create(logging => logging
            .SetMinimumLevel(LogLevel.Warning)
            // The host logs a failed start with its stack trace; Main reports that failure itself, in one line.
            .AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None)
            .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace));
        SampleBackendHandle backend;
        try
        {
            backend = await SampleBackend.StartAsync(parsed.Options, new LoggerFactoryProvider(logs), stop.Token).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            // Kestrel reports a port in use or an address this host does not have as an IOException.
            Console.Error.WriteLine($"Could not listen on {parsed.Options.Address}:{parsed.Options.Port}: {ex.Message}");
            return 1;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return 0;
        }

        await using var running = backend.ConfigureAwait(false);
        Console.Out.WriteLine($"listening on {backend.Address.GetLeftPart(UriPartial.Authority)} version={backend.Version}");
        Console.Out.Flush();
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Asked to stop.
        }

        return 0;
    }
}
