using System.Text;
using MeshProxy.TestSupport;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.FunctionalTests.Reload;

/// <summary>
/// A minimal h2c gRPC backend that says who it is: every reply carries <c>x-backend: NAME</c> and messages whose
/// payload is the name. A method ending in <c>/Stream</c> sends one message, waits for <see cref="ReleaseStreams"/>,
/// then sends a second and ends OK, so a test can hold a server stream open across a reload.
/// </summary>
public sealed class NamedBackend : IAsyncDisposable
{
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private LoopbackServer _server = null!;
    private int _calls;

    private NamedBackend(string name) => Name = name;

    public string Name { get; }

    public int Port => _server.Port;

    public string Address => _server.Address;

    public int Calls => Volatile.Read(ref _calls);

    public static async Task<NamedBackend> StartAsync(string name)
    {
        var backend = new NamedBackend(name);
        backend._server = await LoopbackServer.StartAsync(backend.HandleAsync, maxStreamsPerConnection: 1000);
        return backend;
    }

    /// <summary>Lets every held server stream send its second message and end.</summary>
    public void ReleaseStreams() => _release.TrySetResult();

    public ValueTask DisposeAsync()
    {
        _release.TrySetResult();
        return _server.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _calls);
        var response = context.Response;
        response.ContentType = "application/grpc";
        response.Headers["x-backend"] = Name;
        await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted);
        await WriteMessageAsync(response, context.RequestAborted);
        if (context.Request.Path.Value?.EndsWith("/Stream", StringComparison.Ordinal) == true)
        {
            await _release.Task.WaitAsync(context.RequestAborted);
            await WriteMessageAsync(response, context.RequestAborted);
        }

        response.AppendTrailer("grpc-status", "0");
    }

    private async Task WriteMessageAsync(HttpResponse response, CancellationToken cancellationToken)
    {
        await response.Body.WriteAsync(GrpcFrames.Frame(Encoding.UTF8.GetBytes(Name)), cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }
}
