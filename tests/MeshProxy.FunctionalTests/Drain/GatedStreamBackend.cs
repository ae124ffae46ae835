using System.Text;
using MeshProxy.TestSupport;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.FunctionalTests.Drain;

/// <summary>
/// An h2c backend whose every call is a server stream held open by the test: it sends the message "first", waits for
/// <see cref="Release"/>, then sends "second" and grpc-status 0. <see cref="Aborted"/> completes when a call is
/// cancelled instead (the proxy gave up on it).
/// </summary>
internal sealed class GatedStreamBackend : IAsyncDisposable
{
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _aborted = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private LoopbackServer _server = null!;

    private GatedStreamBackend()
    {
    }

    public string Address => _server.Address;

    public Task Aborted => _aborted.Task;

    public static async Task<GatedStreamBackend> StartAsync()
    {
        var backend = new GatedStreamBackend();
        backend._server = await LoopbackServer.StartAsync(backend.HandleAsync);
        return backend;
    }

    public void Release() => _gate.TrySetResult();

    /// <summary>A gRPC length-prefixed message (uncompressed).</summary>
    public static byte[] Frame(string text) => GrpcFrames.Frame(Encoding.UTF8.GetBytes(text));

    public ValueTask DisposeAsync()
    {
        _gate.TrySetResult();
        return _server.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        context.Response.ContentType = "application/grpc";
        try
        {
            await context.Response.Body.WriteAsync(Frame("first"), context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await _gate.Task.WaitAsync(context.RequestAborted);
            await context.Response.Body.WriteAsync(Frame("second"), context.RequestAborted);
            context.Response.AppendTrailer("grpc-status", "0");
        }
        catch (OperationCanceledException)
        {
            _aborted.TrySetResult();
        }
    }
}
