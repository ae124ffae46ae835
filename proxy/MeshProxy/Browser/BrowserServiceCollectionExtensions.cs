using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace MeshProxy.Browser;

/// <summary>Registers gRPC-Web, Connect and CORS for the REST listener.</summary>
internal static class BrowserServiceCollectionExtensions
{
    public static IServiceCollection AddBrowserProtocols(this IServiceCollection services)
    {
        services.TryAddSingleton<GrpcWebGateway>();
        services.TryAddSingleton<ConnectEndpoint>();
        services.TryAddSingleton<BrowserEndpoint>();
        return services;
    }
}
