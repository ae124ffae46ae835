using MeshProxy.Admin;
using MeshProxy.Configuration.Reload;
using MeshProxy.Routing;
using MeshProxy.TrafficPolicy.Health;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace MeshProxy.Hosting;

/// <summary>Registers the proxy's services; TryAdd lets tests substitute time and randomness.</summary>
internal static class MeshProxyServiceCollectionExtensions
{
    public static IServiceCollection AddMeshProxy(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(Random.Shared);
        services.AddHttpForwarder();
        services.TryAddSingleton(ConfigReloadOptions.Default);
        services.TryAddSingleton(sp => new ProxySnapshotProvider(
            sp.GetRequiredService<Random>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ConfigReloadOptions>().RetiredClusterGrace));
        services.TryAddSingleton<ConfigReloader>();
        services.TryAddSingleton<GrpcProxyEndpoint>();
        services.TryAddSingleton<ReadinessState>();
        services.TryAddSingleton<OpsEndpoints>();
        services.TryAddSingleton<AdminEndpoints>();
        services.TryAddSingleton<HealthCheckService>();
        services.AddHostedService(sp => sp.GetRequiredService<HealthCheckService>());
        return services;
    }
}
