using System.Net;
using MeshProxy.Grpc.Health;
using MeshProxy.Grpc.Server;
using MeshProxy.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MeshProxy.Grpc.Tests.Infrastructure;

/// <summary>Our gRPC server on Kestrel, 127.0.0.1 port 0, serving <see cref="TestService"/> and health; one per test class.</summary>
public sealed class GrpcServerFixture : IAsyncLifetime
{
    private WebApplication? _app;

    public TestService Service { get; } = new();

    public XunitLoggerProvider Logs { get; } = new(null, LogLevel.Debug);

    public Uri Address { get; private set; } = null!;

    public HealthStatusRegistry Health => _app!.Services.GetRequiredService<HealthStatusRegistry>();

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders().AddProvider(Logs).SetMinimumLevel(LogLevel.Debug);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.ConfigureForGrpc();
            kestrel.Listen(IPAddress.Loopback, 0);
        });
        builder.Services.AddGrpcServer();
        var app = builder.Build();
        foreach (var service in Service.Build())
        {
            app.MapGrpcService(service);
        }

        app.MapGrpcHealthService();
        app.MapGrpcFallback();
        // Plain HTTP endpoints for the client's HTTP-status mapping.
        app.MapPost("/http-status/{code:int}/{**rest}", (HttpContext context, int code) => { context.Response.StatusCode = code; return Task.CompletedTask; });
        // A 200 gRPC response that never sends grpc-status, and a 200 that is not gRPC at all.
        app.MapPost("/no-status/{**rest}", (HttpContext context) =>
        {
            context.Response.ContentType = "application/grpc";
            return Task.CompletedTask;
        });
        app.MapPost("/not-grpc/{**rest}", (HttpContext context) =>
        {
            context.Response.ContentType = "text/html";
            return context.Response.WriteAsync("<html></html>");
        });
        await app.StartAsync().DefaultTimeout();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        Address = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        _app = app;
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync().DefaultTimeout();
            await _app.DisposeAsync();
        }

        // The only error the server may log is the one handler that throws on purpose.
        var unexpected = Logs.Errors.Where(e => !e.Contains("[HandlerError] Handler of /users.v1.UserService/GetUser", StringComparison.Ordinal)).ToArray();
        if (unexpected.Length > 0)
        {
            throw new InvalidOperationException("Unexpected error logs:\n" + string.Join('\n', unexpected));
        }
    }
}
