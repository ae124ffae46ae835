using MeshProxy.Admin;
using MeshProxy.Configuration.Reload;
using MeshProxy.Discovery;
using MeshProxy.Observability;
using MeshProxy.Observability.AccessLog;
using MeshProxy.Observability.Metrics;
using MeshProxy.Routing;
using MeshProxy.Security;
using MeshProxy.Security.Authorization;
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
            sp.GetRequiredService<ConfigReloadOptions>().RetiredClusterGrace,
            sp.GetRequiredService<WorkloadIdentity>()));
        services.TryAddSingleton(TranscodingPaths.CurrentDirectory);
        services.TryAddSingleton<TranscodingSnapshotProvider>();
        services.TryAddSingleton<RestTranscodingEndpoint>();
        services.TryAddSingleton<ConfigReloader>();
        services.TryAddSingleton<GrpcProxyEndpoint>();
        services.TryAddSingleton<ReadinessState>();

        // The workload certificate of the mTLS listener and of clusters with tls: (loaded by MeshProxyServer at start).
        services.TryAddSingleton<WorkloadIdentity>();
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

        // Authorization policies on every call; bearer JWTs on the REST listener.
        services.AddMeshAuthorization();
        return services;
    }
}
