using System.Diagnostics;
using System.Text;
using MeshProxy.TestSupport;

namespace MeshProxy.Grpc.Tests.Interop;

/// <summary>A grpc-js server (tests/node/interop/server.js) on 127.0.0.1 port 0, one process per test class.</summary>
public sealed class GrpcJsServerFixture : IAsyncLifetime
{
    private readonly StringBuilder _stderr = new();
    private Process? _process;

    public Uri Address { get; private set; } = null!;

    public async Task InitializeAsync()
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
        start.ArgumentList.Add(Path.Combine("interop", "server.js"));
        _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node.");
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.StartsWith("LISTENING ", StringComparison.Ordinal) == true)
            {
                listening.TrySetResult(int.Parse(e.Data["LISTENING ".Length..], System.Globalization.CultureInfo.InvariantCulture));
            }
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            lock (_stderr)
            {
                _stderr.AppendLine(e.Data);
            }
        };
        _process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException($"interop/server.js exited early:\n{_stderr}"));
        _process.EnableRaisingEvents = true;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var port = await listening.Task.DefaultTimeout();
        Address = new Uri($"http://127.0.0.1:{port}");
    }

    public async Task DisposeAsync()
    {
        if (_process is null)
        {
            return;
        }

        try
        {
            // Closing stdin asks the server to shut down; kill it if it does not.
            _process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _process.WaitForExitAsync(timeout.Token);
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
