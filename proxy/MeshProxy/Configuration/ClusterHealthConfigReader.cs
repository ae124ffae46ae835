namespace MeshProxy.Configuration;

/// <summary>Reads a cluster's <c>outlierDetection</c> and <c>healthCheck</c> blocks key by key.</summary>
internal static class ClusterHealthConfigReader
{
    /// <summary>The cluster's <c>outlierDetection</c>; missing keys (or the whole block) take the defaults.</summary>
    public static OutlierDetectionConfig ReadOutlierDetection(YamlMapping cluster, ConfigErrors errors)
    {
        var map = YamlMapping.From(cluster.Node("outlierDetection"), cluster.Child("outlierDetection"), errors);
        var defaults = OutlierDetectionConfig.Default;
        var result = new OutlierDetectionConfig(
            map.Int("consecutiveGatewayFailures") ?? defaults.ConsecutiveGatewayFailures,
            map.Int("consecutiveServerErrors") ?? defaults.ConsecutiveServerErrors,
            map.Duration("interval") ?? defaults.Interval,
            map.Duration("baseEjectionTime") ?? defaults.BaseEjectionTime,
            map.Duration("maxEjectionTime") ?? defaults.MaxEjectionTime,
            map.Int("maxEjectionPercent") ?? defaults.MaxEjectionPercent,
            map.Int("panicThreshold") ?? defaults.PanicThreshold)
        {
            SplitExternalLocalOriginErrors = map.Bool("splitExternalLocalOriginErrors") ?? defaults.SplitExternalLocalOriginErrors,
            ConsecutiveLocalOriginFailures = map.Int("consecutiveLocalOriginFailures") ?? defaults.ConsecutiveLocalOriginFailures,
            Warmup = map.Duration("warmup") ?? defaults.Warmup,
        };
        map.ReportUnknownKeys();
        return result;
    }

    /// <summary>The cluster's <c>healthCheck</c>, or null when it has none.</summary>
    public static HealthCheckConfig? ReadHealthCheck(YamlMapping cluster, ConfigErrors errors)
    {
        var present = cluster.Has("healthCheck");
        var map = YamlMapping.From(cluster.Node("healthCheck"), cluster.Child("healthCheck"), errors);
        if (!present)
        {
            return null;
        }

        string? grpcService = null;
        if (map.Has("grpc"))
        {
            var grpc = YamlMapping.From(map.Node("grpc"), map.Child("grpc"), errors);
            grpcService = grpc.String("service") ?? string.Empty;
            grpc.ReportUnknownKeys();
        }
        else
        {
            map.Node("grpc");
        }

        string? httpPath = null;
        if (map.Has("http"))
        {
            var http = YamlMapping.From(map.Node("http"), map.Child("http"), errors);
            httpPath = http.String("path") ?? string.Empty;
            http.ReportUnknownKeys();
        }
        else
        {
            map.Node("http");
        }

        var result = new HealthCheckConfig(
            grpcService,
            httpPath,
            map.Duration("interval") ?? HealthCheckConfig.DefaultInterval,
            map.Duration("timeout") ?? HealthCheckConfig.DefaultTimeout,
            map.Int("unhealthyThreshold") ?? HealthCheckConfig.DefaultUnhealthyThreshold,
            map.Int("healthyThreshold") ?? HealthCheckConfig.DefaultHealthyThreshold,
            map.Bool("missingServiceIsHealthy") ?? false);
        map.ReportUnknownKeys();
        return result;
    }
}
