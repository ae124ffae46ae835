using MeshProxy.Admin;
using MeshProxy.Browser;
using MeshProxy.Configuration.Reload;
using MeshProxy.Discovery;
using MeshProxy.Forwarding;
using MeshProxy.Observability;
using MeshProxy.Observability.AccessLog;
using MeshProxy.Observability.Metrics;
using MeshProxy.Observability.Tracing;
using MeshProxy.Protection;
using MeshProxy.Reflection;
using MeshProxy.Routing;
using MeshProxy.Security;
using MeshProxy.Security.Authorization;
using MeshProxy.Transcoding.Rest;
using MeshProxy.TrafficPolicy;
using MeshProxy.TrafficPolicy.Health;
using MeshProxy.TrafficPolicy.Overload;
using MeshProxy.TrafficPolicy.Retries;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace MeshProxy.Hosting;

/// <summary>Registers the proxy's services; TryAdd lets tests substitute time and randomness.</summary>
internal static class MeshProxyServiceCollectionExtensions
{
    public static IServiceCollection AddMeshProxy(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(Random.Shared);
        // Our forwarding step behind YARP's contract (Forwarding/CallForwarder.cs says why).
        services.TryAddSingleton<IHttpForwarder, CallForwarder>();
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
        services.AddProtection();

        // The per-call state's shared services, and the methods the descriptor sets mark as safe to repeat.
        services.TryAddSingleton<CallServices>();
        services.TryAddSingleton<OverloadGate>();
        services.TryAddSingleton<IHeapMeter, GcHeapMeter>();
        services.TryAddSingleton(sp => new HeapGuard(
            sp.GetRequiredService<ProtectionOptions>().MaxHeapPercent,
            sp.GetRequiredService<IHeapMeter>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<HeapGuard>>()));
        services.TryAddSingleton<IdempotentMethods>();
        services.TryAddSingleton<ReadinessState>();

        // The workload certificate of the mTLS listener and of clusters with tls: (loaded by MeshProxyServer at start).
        services.TryAddSingleton<WorkloadIdentity>();
        services.TryAddSingleton<OpsEndpoints>();
        services.TryAddSingleton<AdminEndpoints>();

        // Observability: metrics, request ids, traces, access log.
        services.TryAddSingleton<MeshProxyMetrics>();
        services.TryAddSingleton<AccessLogWriter>();
        services.TryAddSingleton<NewTraceSampler>();
        services.TryAddSingleton<GrpcCallTelemetry>();
        services.TryAddSingleton<IEjectionListener, EjectionMetrics>();
        services.TryAddSingleton<IOverloadListener, OverloadMetrics>();
        services.TryAddSingleton<ICallObserver, CallTraceObserver>();

        // grpc.health.v1.Health answered locally on the gRPC listener (LocalGrpcHealth).
        services.AddLocalGrpcHealth();

        // gRPC server reflection answered from the sidecar's descriptor sets when the config turns it on (LocalReflection).
        services.AddLocalReflection();
        services.TryAddSingleton<DrainCoordinator>();
        services.TryAddSingleton<DrainEndpoints>();
        services.TryAddSingleton<HealthCheckService>();
        services.AddHostedService(sp => sp.GetRequiredService<HealthCheckService>());

        // Destinations from DNS for clusters that discover them.
        services.AddDiscovery();

        // gRPC-Web, Connect and CORS in front of REST transcoding on the REST listener.
        services.AddBrowserProtocols();

        // Authorization policies on every call; bearer JWTs on the REST listener.
        services.AddMeshAuthorization();
        return services;
    }
}
