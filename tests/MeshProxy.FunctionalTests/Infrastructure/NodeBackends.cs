using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.Infrastructure;

/// <summary>
/// grpc-js servers (tests/node/sidecar/backend.js, or another script that speaks the same lines) in one node process: server i is named b{i} and listens on
/// Ports[i]. Events the backends print (a cancelled call) complete the matching <see cref="WaitForCancellationAsync"/>.
/// </summary>
public sealed class NodeBackends : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<string>> _cancellations = new();
    private readonly Task _reader;

    private NodeBackends(Process process, IReadOnlyList<int> ports)
    {
        _process = process;
        Ports = ports;
        _reader = Task.Run(ReadEventsAsync);
    }

    public IReadOnlyList<int> Ports { get; }

    /// <param name="count">How many servers the script starts.</param>
    /// <param name="script">The script under tests/node, as path segments; grpc-js's sidecar/backend.js by default.</param>
    public static async Task<NodeBackends> StartAsync(int count, params string[] script)
    {
        var directory = await NodePeers.EnsureInstalledAsync().DefaultTimeout();
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(script.Length == 0 ? Path.Combine("sidecar", "backend.js") : Path.Combine(script));
        start.ArgumentList.Add(count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node.");
        var first = await process.StandardOutput.ReadLineAsync().DefaultTimeout();
        if (first is null)
        {
            var error = await process.StandardError.ReadToEndAsync().DefaultTimeout();
            throw new InvalidOperationException($"backend.js exited: {error}");
        }

        using var json = JsonDocument.Parse(first);
        var ports = json.RootElement.GetProperty("ports").EnumerateArray().Select(p => p.GetInt32()).ToArray();
        return new NodeBackends(process, ports);
    }

    /// <summary>
    /// Completes when the backend reports that the call sent with <c>x-record-cancel: id</c> ended early, with how:
    /// "cancel" (RST_STREAM reached it) or "deadline" (the grpc-timeout it received expired).
    /// </summary>
    public Task<string> WaitForCancellationAsync(string id) => Cancellation(id).Task;

    public async ValueTask DisposeAsync()
    {
        try
        {
            // Closing stdin ends the script; kill in case it does not.
            _process.StandardInput.Close();
            if (!_process.WaitForExit(TimeSpan.FromSeconds(5)))
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }

        await _reader.ConfigureAwait(false);
        _process.Dispose();
    }

    private TaskCompletionSource<string> Cancellation(string id) =>
        _cancellations.GetOrAdd(id, _ => new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously));

    private async Task ReadEventsAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            using var json = JsonDocument.Parse(line);
            if (json.RootElement.TryGetProperty("cancelled", out var id))
            {
                Cancellation(id.GetString()!).TrySetResult(json.RootElement.GetProperty("by").GetString()!);
            }
        }
    }
}
