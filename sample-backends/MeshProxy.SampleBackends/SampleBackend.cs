using System.Net;
using MeshProxy.Grpc;
using MeshProxy.Grpc.Health;
using MeshProxy.Grpc.Server;
using MeshProxy.SampleBackends.Calls;
using MeshProxy.SampleBackends.Faults;
using MeshProxy.SampleBackends.Hosting;
using MeshProxy.SampleBackends.Inventory;
using MeshProxy.SampleBackends.Payments;
using MeshProxy.SampleBackends.Users;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace MeshProxy.SampleBackends;

/// <summary>Starts the sample backends (users, inventory, payments and health) on one Kestrel listener.</summary>
internal static class SampleBackend
{
    /// <summary>The gRPC services served, each registered with grpc.health.v1.Health besides "" (the whole server).</summary>
    public static readonly IReadOnlyList<string> ServiceNames =
        [UserServiceMethods.ServiceName, InventoryServiceMethods.ServiceName, PaymentServiceMethods.ServiceName];

    /// <summary>How long a stop waits for calls in flight before it aborts them.</summary>
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Starts a backend; the returned handle reports the bound port and stops the backend when disposed.</summary>
    public static async Task<SampleBackendHandle> StartAsync(SampleBackendOptions options, ILoggerProvider? logs = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var address = ValidateAndParse(options);
        var timeProvider = options.TimeProvider;

        // 1. A host without configuration sources or default logging, so environment variables cannot change what a test asked for.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = typeof(SampleBackend).Assembly.GetName().Name });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.ConfigureForGrpc();
            kestrel.Listen(address, options.Port);
        });
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }

        builder.Services.AddSingleton<IHostLifetime, EmbeddedHostLifetime>();
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = ShutdownTimeout);
        builder.Services.AddSingleton(timeProvider);
        builder.Services.AddGrpcServer();

        // 2. The services and the state tests reach through the handle.
        var app = builder.Build();
        try
        {
            var calls = new CallRecorder();
            var faults = new FaultInjector(options.Seed is { } seed ? new Random(seed) : new Random());
            faults.Set(options.Faults);
            var health = app.Services.GetRequiredService<HealthStatusRegistry>();
            foreach (var service in ServiceNames)
            {
                health.Set(service, ServingStatus.Serving);
            }

            foreach (var (service, status) in options.Health)
            {
                health.Set(service, status);
            }

            var services = new[]
            {
                UserServiceDefinition.Create(new UserStore(timeProvider)),
                InventoryServiceDefinition.Create(new InventoryStore(timeProvider), app.Lifetime.ApplicationStopping),
                PaymentServiceDefinition.Create(new PaymentStore(timeProvider), timeProvider),
            };
            var streamingMethods = new HashSet<string>(StringComparer.Ordinal)
            {
                UserServiceMethods.ListUsers.FullName,
                UserServiceMethods.SyncUsers.FullName,
                InventoryServiceMethods.StreamInventoryUpdates.FullName,
                PaymentServiceMethods.StreamTransactions.FullName,
                PaymentServiceMethods.PaymentChat.FullName,
            };

            // 3. The middleware sees every request first: version header, call records, faults.
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("MeshProxy.SampleBackends");
            var middleware = new SampleBackendMiddleware(options.Version, calls, faults, streamingMethods, timeProvider, logger);
            app.Use(middleware.InvokeAsync);
            foreach (var service in services)
            {
                app.MapGrpcService(service);
            }

            app.MapGrpcHealthService();
            app.MapGrpcFallback();

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
