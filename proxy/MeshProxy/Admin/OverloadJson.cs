using System.Text.Json;
using MeshProxy.Configuration;

namespace MeshProxy.Admin;

/// <summary>The settings of circuit breakers and rate limits, written alike by <c>GET /config</c> and <c>GET /clusters</c>.</summary>
internal static class OverloadJson
{
    public static void WriteCircuitBreakers(Utf8JsonWriter writer, CircuitBreakersConfig breakers)
    {
        writer.WriteNumber("maxRequests", breakers.MaxRequests);
        writer.WriteNumber("maxPendingRequests", breakers.MaxPendingRequests);
        if (breakers.MaxRetries is { } maxRetries)
        {
            writer.WriteNumber("maxRetries", maxRetries);
        }
        else
        {
            // Not set: the retry budget alone limits retries.
            writer.WriteNull("maxRetries");
        }
    }

    public static void WriteRateLimit(Utf8JsonWriter writer, RateLimitConfig rateLimit)
    {
        writer.WriteNumber("maxTokens", rateLimit.MaxTokens);
        writer.WriteNumber("tokensPerFill", rateLimit.TokensPerFill);
        writer.WriteString("fillInterval", Duration.Format(rateLimit.FillInterval));
    }
}
