using MeshProxy.Grpc.Health;
using MeshProxy.Grpc.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace MeshProxy.Hosting;

/// <summary>
/// grpc.health.v1.Health on the gRPC listener, answered by the sidecar itself and never proxied, so Kubernetes gRPC
/// probes (and grpc_health_probe) see the sidecar's readiness: the server ("") and <see cref="ServiceName"/> are
/// SERVING once the sidecar is ready and NOT_SERVING before and while it stops. The local service wins over routes:
/// a route naming grpc.health.v1.Health is refused by config validation rather than shadowed silently.
/// </summary>
internal static class LocalGrpcHealth
{
    /// <summary>The service name a probe may ask about besides the whole server ("").</summary>
    public const string ServiceName = "meshproxy";

    private const string PathPrefix = "/" + HealthServiceDefinition.ServiceName + "/";

    public static bool Handles(HttpRequest request) => request.Path.Value?.StartsWith(PathPrefix, StringComparison.Ordinal) == true;

    /// <summary>
    /// MeshProxy.Grpc's health service in a branch pipeline of its own (a branch has its own routing world, so these
    /// endpoints never match on another listener); unknown Health methods get UNIMPLEMENTED.
    /// </summary>
    public static RequestDelegate Build(IApplicationBuilder app)
    {
        var branch = app.New();
        branch.UseRouting();
        branch.UseEndpoints(endpoints =>
        {
            endpoints.MapGrpcHealthService();
            endpoints.MapGrpcFallback();
        });
        return branch.Build();
    }

    public static void SetServing(HealthStatusRegistry registry, bool serving)
    {
        var status = serving ? ServingStatus.Serving : ServingStatus.NotServing;
        registry.Set(string.Empty, status);
        registry.Set(ServiceName, status);
    }
}
