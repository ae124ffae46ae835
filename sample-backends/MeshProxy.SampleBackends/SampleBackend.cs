using System.Net;
using Grpc.HealthCheck;
using MeshProxy.SampleBackends.Calls;
using MeshProxy.SampleBackends.Faults;
using MeshProxy.SampleBackends.Hosting;
using MeshProxy.SampleBackends.Inventory;
using MeshProxy.SampleBackends.Payments;
using MeshProxy.SampleBackends.Users;
using MeshProxy.Samples.Inventory.V1;
using MeshProxy.Samples.Payments.V1;
using MeshProxy.Samples.Users.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace MeshProxy.SampleBackends;

/// <summary>
/// Starts the sample backends on one Kestrel listener with grpc-dotnet: users, inventory and payments, grpc.health.v1
/// (Grpc.HealthCheck) and server reflection v1 and v1alpha (Grpc.AspNetCore.Server.Reflection).
/// </summary>
internal static class SampleBackend
{
    /// <summary>The sample services, each registered with grpc.health.v1.Health besides "" (the whole server).</summary>
    public static readonly IReadOnlyList<string> ServiceNames =
        [UserService.Descriptor.FullName, InventoryService.Descriptor.FullName, PaymentService.Descriptor.FullName];

    /// <summary>How long a stop waits for calls in flight before it aborts them.</summary>
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Starts a backend; the returned handle reports the bound port and stops the backend when disposed.</summary>
    public static async Task<SampleBackendHandle> StartAsync(SampleBackendOptions options, ILoggerProvider? logs = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var address = ValidateAndParse(options);

        // 1. A host without configuration sources or default logging, so environment variables cannot change what a
        //    test asked for. Every endpoint is h2c with prior knowledge; no minimum data rates, which would end a
        //    Watch that waits hours for a change.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = typeof(SampleBackend).Assembly.GetName().Name });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.Http2.MaxStreamsPerConnection = 1000;
            kestrel.Limits.MinRequestBodyDataRate = null;
            kestrel.Limits.MinResponseDataRate = null;
            kestrel.Listen(address, options.Port, listen => listen.Protocols = HttpProtocols.Http2);
        });
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }

        // 2. The state tests reach through the handle, then the services as grpc-dotnet activates them.
        var calls = new CallRecorder();
        var faults = new FaultInjector(options.Seed is { } seed ? new Random(seed) : new Random());
        faults.Set(options.Faults);
        var health = new HealthServiceImpl();
        health.SetStatus(string.Empty, ServingStatus.Serving);
        foreach (var service in ServiceNames)
        {
            health.SetStatus(service, ServingStatus.Serving);
        }

        foreach (var (service, status) in options.Health)
        {
            health.SetStatus(service, status);
        }

        var services = builder.Services;
        services.AddSingleton<IHostLifetime, EmbeddedHostLifetime>();
        services.Configure<HostOptions>(host => host.ShutdownTimeout = ShutdownTimeout);
        services.AddSingleton(options.TimeProvider);
        services.AddSingleton<UserStore>();
        services.AddSingleton<InventoryStore>();
        services.AddSingleton<PaymentStore>();
        services.AddSingleton(health);
        services.AddSingleton<FaultInterceptor>();
        services.AddGrpc(grpc => grpc.Interceptors.Add<FaultInterceptor>());
        services.AddGrpcReflection();

        var app = builder.Build();
        try
        {
            // 3. Routing first, so the middleware knows whether a service serves the method; then the endpoints.
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("MeshProxy.SampleBackends");
            var middleware = new SampleBackendMiddleware(options.Version, calls, faults, options.TimeProvider, logger);
            app.UseRouting();
            app.Use(middleware.InvokeAsync);
            app.MapGrpcService<UserServiceImpl>();
            app.MapGrpcService<InventoryServiceImpl>();
            app.MapGrpcService<PaymentServiceImpl>();
            app.MapGrpcService<HealthServiceImpl>();
            app.MapGrpcReflectionService();

            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            var bound = new Uri(app.Urls.First());
            var uri = new UriBuilder(Uri.UriSchemeHttp, address.ToString(), bound.Port).Uri;
            SampleBackendLog.Listening(logger, options.Version, uri);
            return new SampleBackendHandle(app, uri, options.Version, faults, health, calls);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static IPAddress ValidateAndParse(SampleBackendOptions options)
    {
        if (!IPAddress.TryParse(options.Address, out var address))
        {
            throw new ArgumentException($"Address '{options.Address}' is not an IP address.", nameof(options));
        }

        if (options.Port is < 0 or > IPEndPoint.MaxPort)
        {
            throw new ArgumentException($"Port {options.Port} is not within 0-65535.", nameof(options));
        }

        if (string.IsNullOrWhiteSpace(options.Version) || !options.Version.All(c => c is > ' ' and <= '~'))
        {
            throw new ArgumentException($"Version '{options.Version}' must be non-empty printable ASCII without spaces.", nameof(options));
        }

        return address;
    }
}
