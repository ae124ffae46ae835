using MeshProxy.Configuration;
using MeshProxy.TrafficPolicy;
using MeshProxy.TrafficPolicy.RateLimiting;
using MeshProxy.TrafficPolicy.Retries;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace MeshProxy.Routing;

/// <summary>A route of one snapshot, compiled: header matchers built, backends bound to live cluster state.</summary>
internal sealed class Route
{
    private readonly HeaderMatcher[] _headers;

    public Route(RouteConfig config, int order, BackendPicker backends, RouteRateLimiter? rateLimit = null)
    {
        Config = config;
        Order = order;
        _headers = config.Match.Headers.Select(h => new HeaderMatcher(h)).ToArray();
        Policy = new RoutePolicy(config, backends, rateLimit);
        RequestConfig = new ForwarderRequestConfig
        {
            // gRPC needs HTTP/2 end to end: trailers carry the status (PROTOCOL-HTTP2.md).
            Version = System.Net.HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            // The forwarder's ActivityTimeout resets on every read or write, so it is exactly a stream idle timeout.
            ActivityTimeout = config.StreamIdleTimeout == TimeSpan.Zero ? Timeout.InfiniteTimeSpan : config.StreamIdleTimeout,
        };
    }

    public RouteConfig Config { get; }

    public string Name => Config.Name;

    /// <summary>Position in the file; breaks ties between equally specific routes.</summary>
    public int Order { get; }

    public int HeaderMatcherCount => _headers.Length;

    /// <summary>The route's traffic policy (split, retries, hedging, timeout), handed to each call.</summary>
    public RoutePolicy Policy { get; }

    public BackendPicker Backends => Policy.Backends;

    public ForwarderRequestConfig RequestConfig { get; }

    /// <summary>The route's retry policy, compiled.</summary>
    public RetryPolicy Retry => Policy.Retry;

    public bool HeadersMatch(IHeaderDictionary headers)
    {
        foreach (var matcher in _headers)
        {
            if (!matcher.IsMatch(headers))
            {
                return false;
            }
        }

        return true;
    }
}
