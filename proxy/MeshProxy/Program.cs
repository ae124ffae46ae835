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
        return await commandLine.RunAsync(args, CommandContext.Console(shutdown.Token)).ConfigureAwait(false);

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            shutdown.Cancel();
        }
    }
}
