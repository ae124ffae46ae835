using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace MeshProxy.Discovery;

/// <summary>Registers service discovery: the hosted service that feeds discovered destinations into the live clusters.</summary>
internal static class DiscoveryServiceCollectionExtensions
{
    public static IServiceCollection AddDiscovery(this IServiceCollection services)
    {
        services.TryAddSingleton<DiscoveryService>();
        services.AddHostedService(sp => sp.GetRequiredService<DiscoveryService>());
        return services;
    }
}
