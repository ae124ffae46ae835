using System.Collections.Concurrent;
using MeshProxy.TestSupport;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.FunctionalTests.Infrastructure;

/// <summary>
/// An h2c backend that never answers and ignores grpc-timeout (unlike grpc-js, which enforces it), so only the
/// proxy can end its calls. It records, per <c>x-record-cancel</c> id, the grpc-timeout it received once the call
/// is aborted.
/// </summary>
public sealed class HangingBackend : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<string?>> _aborted = new();

    private LoopbackServer _server = null!;

    private HangingBackend()
    {
    }

    public int Port => _server.Port;

    public static async Task<HangingBackend> StartAsync()
    {
        var backend = new HangingBackend();
        backend._server = await LoopbackServer.StartAsync(backend.HandleAsync);
        return backend;
    }

    /// <summary>Completes with the received grpc-timeout (or null) when the call with this id is aborted.</summary>
    public Task<string?> WaitForAbortAsync(string id) => Aborted(id).Task;

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private TaskCompletionSource<string?> Aborted(string id) =>
        _aborted.GetOrAdd(id, _ => new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously));

    private async Task HandleAsync(HttpContext context)
    {
        var id = context.Request.Headers["x-record-cancel"].ToString();
        var timeout = context.Request.Headers["grpc-timeout"].ToString();
        try
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            Aborted(id).TrySetResult(timeout.Length == 0 ? null : timeout);
        }
    }
}
