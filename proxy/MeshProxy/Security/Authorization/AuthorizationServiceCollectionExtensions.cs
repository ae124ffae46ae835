using MeshProxy.Observability.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace MeshProxy.Security.Authorization;

/// <summary>Registers authorization policies and the REST edge's JWT authentication.</summary>
internal static class AuthorizationServiceCollectionExtensions
{
    public static IServiceCollection AddMeshAuthorization(this IServiceCollection services)
    {
        services.TryAddSingleton<AuthorizationMetrics>();
        services.TryAddSingleton<CallAuthorizer>();
        services.TryAddSingleton<JwksKeySource>();
        services.TryAddSingleton<JwtAuthenticator>();
        services.TryAddSingleton<RestEdgeGuard>();
        return services;
    }
}
