using HealthService = Grpc.Health.V1.Health;

namespace MeshProxy.Configuration.Validation;

/// <summary>
/// The sidecar answers grpc.health.v1.Health on the gRPC listener itself (Kubernetes gRPC probes), so a route that
/// names that service would never be used: refuse it rather than shadow it silently. A prefix or regex route that
/// merely also covers it (such as <c>prefix: /</c>) is fine.
/// </summary>
internal sealed class LocalHealthRouteValidator : IConfigValidator
{
    private static readonly string ServiceName = HealthService.Descriptor.FullName;
    private static readonly string ServicePath = "/" + ServiceName + "/";

    public void Validate(MeshProxyConfig config, ConfigErrors errors)
    {
        for (var i = 0; i < config.Routes.Count; i++)
        {
            if (config.Routes[i].Match.Method is { } method && method.StartsWith(ServicePath, StringComparison.Ordinal))
            {
                errors.Add($"{ConfigPaths.Match(i)}.method", $"{ServiceName} is answered by the sidecar itself on the gRPC listener; a route to it would never be used");
            }
        }
    }
}
