using MeshProxy.Grpc.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace MeshProxy.Grpc.Health;

public static class HealthEndpointRouteBuilderExtensions
{
    /// <summary>Maps grpc.health.v1.Health over the <see cref="HealthStatusRegistry"/> registered by AddGrpcServer.</summary>
    public static IEndpointConventionBuilder MapGrpcHealthService(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        _ = GrpcEndpointRouteBuilderExtensions.CreateEnvironment(endpoints);
        var registry = endpoints.ServiceProvider.GetRequiredService<HealthStatusRegistry>();
        return endpoints.MapGrpcService(HealthServiceDefinition.Create(registry));
    }
}
