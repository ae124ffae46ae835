using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace MeshProxy.Protection;

/// <summary>Registers the overload and abuse limits; TryAdd lets tests substitute <see cref="ProtectionOptions"/>.</summary>
internal static class ProtectionServiceCollectionExtensions
{
    public static IServiceCollection AddProtection(this IServiceCollection services)
    {
        services.TryAddSingleton(ProtectionOptions.Default);
        services.TryAddSingleton<CallerCommitGate>();
        return services;
    }
}
