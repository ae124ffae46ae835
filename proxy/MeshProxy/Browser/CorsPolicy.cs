using System.Collections.Frozen;
using System.Globalization;
using MeshProxy.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace MeshProxy.Browser;

/// <summary>
/// A <see cref="CorsConfig"/> compiled once per config: the origin lookup and the header values the CORS protocol
/// (Fetch standard, §3.2) needs, so a request only looks its origin up and copies strings. Our own rather than
/// ASP.NET Core's CORS middleware because its policies are fixed at startup (ICorsPolicyProvider could be fed from a
/// snapshot, but the middleware then still resolves a policy per request by name); ours is swapped with the config on
/// live reload, and the protocol headers gRPC-Web and Connect need are always in it.
/// </summary>
internal sealed class CorsPolicy
{
    /// <summary>Request headers the gRPC-Web and Connect clients send (@connectrpc/cors lists the same).</summary>
    public static readonly string[] ProtocolRequestHeaders =
    [
        "content-type", "x-grpc-web", "x-user-agent", "grpc-timeout",
        "connect-protocol-version", "connect-timeout-ms", "connect-content-encoding", "connect-accept-encoding",
    ];

    /// <summary>Response headers the clients must read: gRPC-Web's status in a Trailers-Only reply, and our request id.</summary>
    public static readonly string[] ProtocolExposedHeaders =
    [
        "grpc-status", "grpc-message", "grpc-status-details-bin", "connect-content-encoding", "connect-accept-encoding", "x-request-id",
    ];

    private const string AllowedMethods = "POST, GET, OPTIONS";
    private const string PreflightVary = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";

    private readonly FrozenSet<string> _origins;
    private readonly bool _anyOrigin;
    private readonly bool _anyHeader;
    private readonly string _allowHeaders;
    private readonly string _exposeHeaders;
    private readonly string _maxAge;
    private readonly bool _credentials;

    public CorsPolicy(CorsConfig config)
    {
        Config = config;
        _anyOrigin = config.AllowedOrigins.Contains("*");
        _origins = config.AllowedOrigins.Where(o => o != "*").ToFrozenSet(StringComparer.Ordinal);
        _anyHeader = config.AllowedHeaders.Contains("*");
        _allowHeaders = string.Join(", ", ProtocolRequestHeaders.Concat(config.AllowedHeaders.Where(h => h != "*").Select(h => h.ToLowerInvariant())).Distinct(StringComparer.Ordinal));
        _exposeHeaders = string.Join(", ", ProtocolExposedHeaders.Concat(config.ExposedHeaders.Select(h => h.ToLowerInvariant())).Distinct(StringComparer.Ordinal));
        _maxAge = ((long)config.MaxAge.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        _credentials = config.AllowCredentials;
    }

    public CorsConfig Config { get; }

    public bool Allows(string origin) => _anyOrigin || _origins.Contains(origin);

    /// <summary>True for a CORS preflight: OPTIONS with Origin and Access-Control-Request-Method.</summary>
    public static bool IsPreflight(HttpRequest request) =>
        HttpMethods.IsOptions(request.Method)
        && request.Headers.Origin.Count > 0
        && request.Headers.AccessControlRequestMethod.Count > 0;

    /// <summary>
    /// Answers a preflight: 204 with the allowances when the origin may call, else 403 without them (the browser then
    /// refuses the call; the status tells a person reading the network panel why).
    /// </summary>
    public void AnswerPreflight(HttpContext context, string origin)
    {
        var response = context.Response;
        var headers = response.Headers;
        if (!Allows(origin))
        {
            response.StatusCode = StatusCodes.Status403Forbidden;
            headers.Vary = PreflightVary;
            return;
        }

        response.StatusCode = StatusCodes.Status204NoContent;
        SetOrigin(headers, origin);
        headers.AccessControlAllowMethods = AllowedMethods;
        headers.AccessControlAllowHeaders = _anyHeader && context.Request.Headers.AccessControlRequestHeaders is { Count: > 0 } requested
            ? requested
            : _allowHeaders;
        headers.AccessControlMaxAge = _maxAge;
        headers.Vary = PreflightVary;
    }

    /// <summary>Adds the CORS headers of an actual request from an allowed origin when the response starts (after any status rewrite).</summary>
    public void Apply(HttpContext context, string origin)
    {
        if (!Allows(origin))
        {
            return;
        }

        context.Response.OnStarting(static state =>
        {
            var (policy, response, origin) = ((CorsPolicy, HttpResponse, string))state;
            var headers = response.Headers;
            policy.SetOrigin(headers, origin);
            headers.AccessControlExposeHeaders = policy._exposeHeaders;
            return Task.CompletedTask;
        }, (this, context.Response, origin));
    }

    private void SetOrigin(IHeaderDictionary headers, string origin)
    {
        if (_anyOrigin && !_credentials)
        {
            headers.AccessControlAllowOrigin = "*";
            return;
        }

        // A reflected origin makes the answer depend on the request: caches must key on it.
        headers.AccessControlAllowOrigin = origin;
        headers.Vary = StringValues.Concat(headers.Vary, "Origin");
        if (_credentials)
        {
            headers.AccessControlAllowCredentials = "true";
        }
    }
}
