using MeshProxy.Grpc.Health;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace MeshProxy.Grpc.Server;

public static class GrpcServerServiceCollectionExtensions
{
    /// <summary>
    /// Registers the gRPC server: options (validated at start), routing, a <see cref="TimeProvider"/> and the
    /// <see cref="HealthStatusRegistry"/>. Uses TryAdd, so tests can substitute any of them first.
    /// </summary>
    public static GrpcServerBuilder AddGrpcServer(this IServiceCollection services, Action<GrpcServerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddRouting();
        var options = services.AddOptions<GrpcServerOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GrpcServerOptions>, GrpcServerOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<GrpcServerMarker>();
        services.TryAddSingleton<HealthStatusRegistry>();
        return new GrpcServerBuilder(services);
    }
}
