using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace MeshProxy.FunctionalTests.TrafficPolicy;

/// <summary>
/// A broken gRPC server on h2c: every POST gets HTTP 200 with content-type application/grpc and no grpc-status at
/// all (PROTOCOL-HTTP2.md requires one). <c>GET /healthz</c> answers <see cref="HealthzStatus"/>, for HTTP checks.
/// </summary>
internal sealed class OutlierPlainBackend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _posts;

    private OutlierPlainBackend(WebApplication app) => _app = app;

    public int Port { get; private set; }

    /// <summary>The status of GET /healthz. Default 200.</summary>
    public int HealthzStatus { get; set; } = StatusCodes.Status200OK;

    public int Posts => Volatile.Read(ref _posts);

    public static async Task<OutlierPlainBackend> StartAsync()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2));
        var app = builder.Build();
        var backend = new OutlierPlainBackend(app);
        app.Run(backend.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        backend.Port = new Uri(address).Port;
        return backend;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

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
