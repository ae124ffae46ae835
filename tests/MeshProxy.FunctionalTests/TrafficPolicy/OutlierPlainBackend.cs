using MeshProxy.TestSupport;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.FunctionalTests.TrafficPolicy;

/// <summary>
/// A broken gRPC server on h2c: every POST gets HTTP 200 with content-type application/grpc and no grpc-status at
/// all (PROTOCOL-HTTP2.md requires one). <c>GET /healthz</c> answers <see cref="HealthzStatus"/>, for HTTP checks.
/// </summary>
internal sealed class OutlierPlainBackend : IAsyncDisposable
{
    private LoopbackServer _server = null!;

    private OutlierPlainBackend()
    {
    }
    private int _posts;

    public int Port => _server.Port;

    /// <summary>The status of GET /healthz. Default 200.</summary>
    public int HealthzStatus { get; set; } = StatusCodes.Status200OK;

    public int Posts => Volatile.Read(ref _posts);

    public static async Task<OutlierPlainBackend> StartAsync()
    {
        var backend = new OutlierPlainBackend();
        backend._server = await LoopbackServer.StartAsync(backend.HandleAsync);
        return backend;
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private async Task HandleAsync(HttpContext context)
    {
        if (HttpMethods.IsGet(context.Request.Method))
        {
            context.Response.StatusCode = context.Request.Path == "/healthz" ? HealthzStatus : StatusCodes.Status404NotFound;
            return;
        }

        Interlocked.Increment(ref _posts);
        await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/grpc";
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }
}
