using System.Runtime.InteropServices;
using MeshProxy.Cli;

namespace MeshProxy;

internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        using var shutdown = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

        var commandLine = CommandLine.CreateDefault();

        // The lead wires `convert` here:
        // commandLine.Add("convert", (a, _) => ConvertCommand.RunAsync(a, Console.OpenStandardInput(), Console.OpenStandardOutput(), Console.Error));
        return await commandLine.RunAsync(args, CommandContext.Console(shutdown.Token)).ConfigureAwait(false);

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            shutdown.Cancel();
        }
    }
}
