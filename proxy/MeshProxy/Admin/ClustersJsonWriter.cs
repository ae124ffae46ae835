using System.Text.Json;
using MeshProxy.Configuration;
using MeshProxy.TrafficPolicy;
using MeshProxy.TrafficPolicy.RateLimiting;

namespace MeshProxy.Admin;

/// <summary>
/// Writes the live state of every cluster for <c>GET /clusters</c>: each destination's health, ejection and counters,
/// the cluster's panic state and circuit breakers (limits and what remains), and for each route the weights of its
/// backends and the tokens left in its rate limit.
/// </summary>
internal static class ClustersJsonWriter
{
    public static void Write(Utf8JsonWriter writer, MeshProxyConfig config, IReadOnlyDictionary<string, ClusterState> clusters, IReadOnlyDictionary<string, RouteRateLimiter>? rateLimits = null)
    {
        writer.WriteStartObject();
        writer.WriteStartArray("clusters");

        // Config order, so the dump reads like the file.
        foreach (var clusterConfig in config.Clusters)
        {
            if (clusters.TryGetValue(clusterConfig.Name, out var cluster))
            {
                WriteCluster(writer, cluster);
            }
        }

        writer.WriteEndArray();
        writer.WriteStartArray("routes");
        foreach (var route in config.Routes)
        {
            writer.WriteStartObject();
            writer.WriteString("name", route.Name);
            writer.WriteStartArray("backends");
            foreach (var backend in route.Backends)
            {
                writer.WriteStartObject();
                writer.WriteString("cluster", backend.Cluster);
                writer.WriteNumber("weight", backend.Weight);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            if (rateLimits is not null && rateLimits.TryGetValue(route.Name, out var limiter))
            {
                writer.WriteStartObject("rateLimit");
                OverloadJson.WriteRateLimit(writer, limiter.Config);
                writer.WriteNumber("availableTokens", limiter.AvailableTokens);
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteCluster(Utf8JsonWriter writer, ClusterState cluster)
    {
        var availability = cluster.Availability;
        writer.WriteStartObject();
        writer.WriteString("name", cluster.Name);
        writer.WriteString("source", cluster.Config switch
        {
            { Dns: { } dns } => $"dns {dns.Address}",
            { Kubernetes: { } kubernetes } => $"kubernetes {kubernetes.Source}",
            _ => "static",
        });
        writer.WriteString("loadBalancing", LoadBalancingNames.Format(cluster.Config.LoadBalancing));
        writer.WriteBoolean("healthChecked", cluster.Config.HealthCheck is not null);
        writer.WriteBoolean("panic", availability.Panic);
        writer.WriteNumber("availableDestinations", availability.AvailableCount);
        var breaker = cluster.CircuitBreaker;
        writer.WriteStartObject("circuitBreakers");
        OverloadJson.WriteCircuitBreakers(writer, breaker.Config);
        writer.WriteNumber("remainingRequests", breaker.RemainingRequests);
        writer.WriteNumber("remainingPending", breaker.RemainingPending);
        if (breaker.RemainingRetries is { } retries)
        {
            writer.WriteNumber("remainingRetries", retries);
        }

        writer.WriteEndObject();
        writer.WriteStartArray("destinations");
        foreach (var destination in cluster.Destinations)
        {
            writer.WriteStartObject();
            writer.WriteString("name", destination.Name);
            writer.WriteString("address", destination.Prefix);
            writer.WriteString("health", destination.Health switch
            {
                DestinationHealth.Healthy => "healthy",
                DestinationHealth.Unhealthy => "unhealthy",
                _ => "unknown",
            });
            writer.WriteBoolean("ejected", destination.Ejected);
            writer.WriteNumber("ejectionTimeLeftMs", (long)availability.EjectionTimeLeft(destination).TotalMilliseconds);
            writer.WriteNumber("timesEjected", destination.TimesEjected);
            writer.WriteNumber("ejectionMultiplier", destination.EjectionMultiplier);
            writer.WriteNumber("consecutiveGatewayFailures", destination.ConsecutiveGatewayFailures);
            writer.WriteNumber("consecutiveServerErrors", destination.ConsecutiveServerErrors);
            writer.WriteNumber("consecutiveLocalOriginFailures", destination.ConsecutiveLocalOriginFailures);
            writer.WriteBoolean("warmingUp", availability.IsWarmingUp(destination));
            writer.WriteNumber("inFlight", destination.InFlight);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
