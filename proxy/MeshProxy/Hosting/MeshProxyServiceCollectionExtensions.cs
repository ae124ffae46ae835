using MeshProxy.Admin;
using MeshProxy.Configuration.Reload;
using MeshProxy.Discovery;
using MeshProxy.Observability;
using MeshProxy.Observability.AccessLog;
using MeshProxy.Observability.Metrics;
using MeshProxy.Protection;
using MeshProxy.Routing;
using MeshProxy.Transcoding.Rest;
using MeshProxy.TrafficPolicy;
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
        services.TryAddSingleton(TranscodingPaths.CurrentDirectory);
        services.TryAddSingleton<TranscodingSnapshotProvider>();
        services.TryAddSingleton<RestTranscodingEndpoint>();
        services.TryAddSingleton<ConfigReloader>();
        services.TryAddSingleton<GrpcProxyEndpoint>();
        services.AddProtection();
        services.TryAddSingleton<ReadinessState>();
        services.TryAddSingleton<OpsEndpoints>();
        services.TryAddSingleton<AdminEndpoints>();

        // Observability: metrics, request ids, traces, access log.
        services.TryAddSingleton<MeshProxyMetrics>();
        services.TryAddSingleton<AccessLogWriter>();
        services.TryAddSingleton<GrpcCallTelemetry>();
        services.TryAddSingleton<IEjectionListener, EjectionMetrics>();

        // grpc.health.v1.Health answered locally on the gRPC listener (LocalGrpcHealth).
        services.AddLocalGrpcHealth();
        services.TryAddSingleton<DrainCoordinator>();
        services.TryAddSingleton<DrainEndpoints>();
        services.TryAddSingleton<HealthCheckService>();
        services.AddHostedService(sp => sp.GetRequiredService<HealthCheckService>());

        // Destinations from DNS for clusters that discover them.
        services.AddDiscovery();
        return services;
    }
}
