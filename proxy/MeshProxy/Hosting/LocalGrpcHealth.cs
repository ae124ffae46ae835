using Grpc.HealthCheck;
using MeshProxy.Admin;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using HealthService = Grpc.Health.V1.Health;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace MeshProxy.Hosting;

/// <summary>
/// grpc.health.v1.Health on the gRPC listener, answered by the sidecar itself with Grpc.HealthCheck's
/// <see cref="HealthServiceImpl"/> on grpc-dotnet and never proxied, so Kubernetes gRPC probes (and grpc_health_probe)
/// see the sidecar's readiness: the server ("") and <see cref="ServiceName"/> follow <see cref="ReadinessState"/>,
/// SERVING once the sidecar is ready and NOT_SERVING before, from the moment a drain starts, and while it stops. The
/// local service wins over routes: a route naming grpc.health.v1.Health is refused by config validation rather than
/// shadowed silently.
/// </summary>
internal static class LocalGrpcHealth
{
    /// <summary>The service name a probe may ask about besides the whole server ("").</summary>
    public const string ServiceName = "meshproxy";

    private static readonly string PathPrefix = "/" + HealthService.Descriptor.FullName + "/";

    public static bool Handles(HttpRequest request) => request.Path.Value?.StartsWith(PathPrefix, StringComparison.Ordinal) == true;

    /// <summary>The service's registrations; one instance, so <see cref="Follow"/> and the endpoint share its statuses.</summary>
    public static IServiceCollection AddLocalGrpcHealth(this IServiceCollection services)
    {
        services.AddGrpc();
        services.AddSingleton<HealthServiceImpl>();
        return services;
    }

    /// <summary>
    /// grpc-dotnet's endpoint for the service, in a branch pipeline of its own that only <see cref="Handles"/> requests
    /// reach: a branch has its own routing world, so grpc-dotnet's endpoints (its UNIMPLEMENTED answers for unknown
    /// methods and services included) never see a call meant for the proxy. Unknown Health methods get UNIMPLEMENTED.
    /// </summary>
    public static RequestDelegate Build(IApplicationBuilder app)
    {
        var branch = app.New();
        branch.UseRouting();
        branch.UseEndpoints(endpoints => endpoints.MapGrpcService<HealthServiceImpl>());
        return branch.Build();
    }

    /// <summary>NOT_SERVING now; from then on every readiness change is a status change, streamed to open Watch calls.</summary>
    public static void Follow(ReadinessState readiness, HealthServiceImpl health)
    {
        SetServing(health, readiness.IsReady);
        readiness.OnChange(ready => SetServing(health, ready));
    }

    private static void SetServing(HealthServiceImpl health, bool serving)
    {
        var status = serving ? ServingStatus.Serving : ServingStatus.NotServing;
        health.SetStatus(string.Empty, status);
        health.SetStatus(ServiceName, status);
    }
}
