using System.Buffers.Binary;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace MeshProxy.FunctionalTests.Drain;

/// <summary>
/// An h2c backend whose every call is a server stream held open by the test: it sends the message "first", waits for
/// <see cref="Release"/>, then sends "second" and grpc-status 0. <see cref="Aborted"/> completes when a call is
/// cancelled instead (the proxy gave up on it).
/// </summary>
internal sealed class GatedStreamBackend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _aborted = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private GatedStreamBackend(WebApplication app) => _app = app;

    public string Address { get; private set; } = string.Empty;

    public Task Aborted => _aborted.Task;

    public static async Task<GatedStreamBackend> StartAsync()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2));
        var app = builder.Build();
        var backend = new GatedStreamBackend(app);
        app.Run(backend.HandleAsync);
        await app.StartAsync();
        backend.Address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return backend;
    }

    public void Release() => _gate.TrySetResult();

    /// <summary>A gRPC length-prefixed message (uncompressed).</summary>
    public static byte[] Frame(string text)
    {
        var payload = Encoding.UTF8.GetBytes(text);
        var frame = new byte[5 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame, 5);
        return frame;
    }

    public async ValueTask DisposeAsync()
    {
        _gate.TrySetResult();
        await _app.StopAsync();
        await _app.DisposeAsync();
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
