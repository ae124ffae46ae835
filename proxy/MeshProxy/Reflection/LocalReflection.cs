using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ReflectionV1 = Grpc.Reflection.V1.ServerReflection;
using ReflectionV1Alpha = Grpc.Reflection.V1Alpha.ServerReflection;

namespace MeshProxy.Reflection;

/// <summary>
/// gRPC server reflection on the gRPC listener, answered by the sidecar on grpc-dotnet when <c>reflection.enabled</c> is
/// true (the same pattern as <c>LocalGrpcHealth</c>): the calls go to a branch pipeline of their own, so grpc-dotnet's
/// endpoints never see a call meant for the proxy. When reflection is off the calls are routed like any other.
/// </summary>
internal static class LocalReflection
{
    private static readonly string V1Prefix = "/" + ReflectionV1.Descriptor.FullName + "/";
    private static readonly string V1AlphaPrefix = "/" + ReflectionV1Alpha.Descriptor.FullName + "/";

    public static IServiceCollection AddLocalReflection(this IServiceCollection services)
    {
        services.AddGrpc();
        services.TryAddSingleton<ReflectionCatalog>();
        services.TryAddSingleton<SidecarReflectionV1>();
        services.TryAddSingleton<SidecarReflectionV1Alpha>();
        return services;
    }

    /// <summary>A reflection call the sidecar answers itself: the live config has reflection on.</summary>
    public static bool Handles(HttpRequest request, ReflectionCatalog catalog) =>
        request.Path.Value is { } path
        && (path.StartsWith(V1Prefix, StringComparison.Ordinal) || path.StartsWith(V1AlphaPrefix, StringComparison.Ordinal))
        && catalog.Enabled;

    /// <summary>grpc-dotnet's endpoints for both versions, in a branch only <see cref="Handles"/> requests reach.</summary>
    public static RequestDelegate Build(IApplicationBuilder app)
    {
        var branch = app.New();
        branch.UseRouting();
        branch.UseEndpoints(endpoints =>
        {
            endpoints.MapGrpcService<SidecarReflectionV1>();
            endpoints.MapGrpcService<SidecarReflectionV1Alpha>();
        });
        return branch.Build();
    }
}
