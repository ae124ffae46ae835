using System.Globalization;
using MeshProxy.Grpc;
using MeshProxy.TrafficPolicy.CircuitBreaking;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace MeshProxy.TrafficPolicy.Overload;

/// <summary>
/// What a refused caller gets: a Trailers-Only status, never a byte to a backend. A circuit breaker's refusal is
/// UNAVAILABLE with <c>x-meshproxy-overloaded: true</c> (Envoy answers 503 with <c>x-envoy-overloaded</c>): transient, a
/// caller may retry elsewhere or later. A rate limit's is RESOURCE_EXHAUSTED with <c>retry-after</c> (seconds, RFC 9110
/// §10.2.3) when the limiter knows when its next token comes. REST callers get these as 503 / 429 through the
/// transcoder's status mapping, and <see cref="CopyToRest"/> carries the two headers over under their own names.
/// </summary>
internal static class OverloadRefusal
{
    /// <summary>Marks a refusal by a circuit breaker or the heap guard (Envoy's <c>x-envoy-overloaded</c>).</summary>
    public const string OverloadedHeader = "x-meshproxy-overloaded";

    public static Task BreakerAsync(HttpResponse response, string cluster, BreakerLimit limit)
    {
        var what = limit == BreakerLimit.Pending ? "too many calls waiting" : "too many calls in flight";
        return OverloadedAsync(response, $"circuit breaker of cluster {cluster} is open: {what}");
    }

    public static Task HeapAsync(HttpResponse response) =>
        OverloadedAsync(response, "the sidecar is short of memory: its heap is near its limit, so it refuses new calls for now");

    public static Task RateLimitedAsync(HttpResponse response, string route, TimeSpan? retryAfter)
    {
        TrailersOnlyResponse.Set(response, StatusCode.ResourceExhausted, $"local rate limit of route {route} exceeded");
        if (retryAfter is { } after)
        {
            response.Headers[HeaderNames.RetryAfter] = Seconds(after);
        }

        return response.CompleteAsync();
    }

    /// <summary>
    /// Copies <c>retry-after</c> and <c>x-meshproxy-overloaded</c> of a gRPC reply onto a REST error response under
    /// their own names (other metadata gets the transcoder's metadata prefix): they are HTTP's own words for it.
    /// </summary>
    public static void CopyToRest(IHeaderDictionary grpc, IHeaderDictionary rest)
    {
        if (grpc.TryGetValue(HeaderNames.RetryAfter, out var retryAfter))
        {
            rest[HeaderNames.RetryAfter] = retryAfter;
        }

        if (grpc.TryGetValue(OverloadedHeader, out var overloaded))
        {
            rest[OverloadedHeader] = overloaded;
        }
    }

    private static Task OverloadedAsync(HttpResponse response, string message)
    {
        TrailersOnlyResponse.Set(response, StatusCode.Unavailable, message);
        response.Headers[OverloadedHeader] = "true";
        return response.CompleteAsync();
    }

    /// <summary>Whole seconds, rounded up, at least 1: Retry-After has no fractions and 0 would invite an instant retry.</summary>
    private static string Seconds(TimeSpan after) =>
        Math.Max(1, (long)Math.Ceiling(after.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
}
