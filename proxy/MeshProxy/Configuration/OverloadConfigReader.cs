namespace MeshProxy.Configuration;

/// <summary>Reads a cluster's <c>circuitBreakers:</c> and a route's <c>rateLimit:</c> sections key by key.</summary>
internal static class OverloadConfigReader
{
    public static CircuitBreakersConfig ReadCircuitBreakers(YamlMapping cluster, ConfigErrors errors)
    {
        if (!cluster.Has("circuitBreakers"))
        {
            cluster.Node("circuitBreakers");
            return CircuitBreakersConfig.Default;
        }

        var map = YamlMapping.From(cluster.Node("circuitBreakers"), cluster.Child("circuitBreakers"), errors);
        var result = new CircuitBreakersConfig(
            map.Int("maxRequests") ?? CircuitBreakersConfig.DefaultMaxRequests,
            map.Int("maxPendingRequests") ?? CircuitBreakersConfig.DefaultMaxPendingRequests,
            map.Int("maxRetries"));
        map.ReportUnknownKeys();
        return result.Equals(CircuitBreakersConfig.Default) ? CircuitBreakersConfig.Default : result;
    }

    public static RateLimitConfig? ReadRateLimit(YamlMapping route, ConfigErrors errors)
    {
        if (!route.Has("rateLimit"))
        {
            route.Node("rateLimit");
            return null;
        }

        var map = YamlMapping.From(route.Node("rateLimit"), route.Child("rateLimit"), errors);
        var maxTokens = map.Int("maxTokens");
        if (maxTokens is null && !map.Has("maxTokens"))
        {
            errors.Add(map.Child("maxTokens"), "is required: the bucket's size (the burst allowed)");
        }

        // A missing or bad value takes the other's, so one mistake makes one error.
        var tokensPerFill = map.Int("tokensPerFill");
        var result = new RateLimitConfig(
            maxTokens ?? tokensPerFill ?? 1,
            tokensPerFill ?? maxTokens ?? 1,
            map.Duration("fillInterval") ?? RateLimitConfig.DefaultFillInterval);
        map.ReportUnknownKeys();
        return result;
    }
}
