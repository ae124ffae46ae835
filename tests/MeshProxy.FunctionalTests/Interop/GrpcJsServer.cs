using System.Diagnostics;
using System.Globalization;
using System.Text;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.Interop;

/// <summary>
/// @grpc/grpc-js serving tests/node/interop/server.js (or another script under tests/node that prints
/// "LISTENING port" and stops when stdin closes) on 127.0.0.1 port 0, in its own node process.
/// </summary>
public sealed class GrpcJsServer : IAsyncDisposable
{
    private readonly Process _process;

    private GrpcJsServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    /// <param name="script">The script, relative to tests/node.</param>
    /// <param name="arguments">The script's arguments.</param>
    public static async Task<GrpcJsServer> StartAsync(string script = "interop/server.js", params string[] arguments)
    {
        var nodeDirectory = await NodePeers.EnsureInstalledAsync().DefaultTimeout();
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = nodeDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node.");
        var stderr = new StringBuilder();
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.StartsWith("LISTENING ", StringComparison.Ordinal) == true)
            {
                listening.TrySetResult(int.Parse(e.Data["LISTENING ".Length..], CultureInfo.InvariantCulture));
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (stderr)
            {
                stderr.AppendLine(e.Data);
            }
        };
        process.Exited += (_, _) =>
        {
            lock (stderr)
            {
                listening.TrySetException(new InvalidOperationException($"{script} exited early:\n{stderr}"));
            }
        };
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            return new GrpcJsServer(process, await listening.Task.DefaultTimeout());
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            // Closing stdin asks the server to shut down; kill it if it does not.
            _process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }
        finally
        {
            _process.Dispose();
        }
    }
}
