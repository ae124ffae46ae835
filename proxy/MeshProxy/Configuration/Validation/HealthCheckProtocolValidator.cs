namespace MeshProxy.Configuration.Validation;

/// <summary>
/// A health check probes with exactly one protocol: <c>grpc</c> (grpc.health.v1) or <c>http</c> (GET on an
/// absolute path).
/// </summary>
internal sealed class HealthCheckProtocolValidator : IConfigValidator
{
    public void Validate(MeshProxyConfig config, ConfigErrors errors)
    {
        foreach (var cluster in config.Clusters)
        {
            if (cluster.HealthCheck is not { } check)
            {
                continue;
            }

            var path = $"{ConfigPaths.Cluster(cluster.Name)}.healthCheck";
            switch (check.GrpcService, check.HttpPath)
            {
                case (null, null):
                    errors.Add(path, "one of 'grpc' (e.g. grpc: { service: \"\" }) or 'http' (e.g. http: { path: /healthz }) is required");
                    break;
                case (not null, not null):
                    errors.Add(path, "give either 'grpc' or 'http', not both");
                    break;
                case (null, { } httpPath) when !IsAbsolutePath(httpPath):
                    errors.Add($"{path}.http.path", $"'{httpPath}' must be an absolute path such as /healthz");
                    break;
            }
        }
    }

    private static bool IsAbsolutePath(string path) =>
        path.StartsWith('/') && !path.StartsWith("//", StringComparison.Ordinal) && Uri.IsWellFormedUriString(path, UriKind.Relative);
}
