using MeshProxy.Configuration;
using MeshProxy.Observability;
using MeshProxy.Routing;
using MeshProxy.Transcoding.Rest;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace MeshProxy.Browser;

/// <summary>
/// The front of the REST listener when the config has a <c>browser:</c> section: answers CORS preflights and adds the
/// CORS headers, then hands gRPC-Web calls to <see cref="GrpcWebGateway"/>, Connect calls to <see cref="ConnectEndpoint"/>
/// and everything else to REST transcoding, which thereby keeps every request whose content type is neither.
/// The section is read from the live config per request, so a reload turns the protocols and CORS on and off.
/// </summary>
internal sealed class BrowserEndpoint
{
    private readonly ProxySnapshotProvider _snapshots;
    private readonly RestTranscodingEndpoint _rest;
    private readonly GrpcWebGateway _grpcWeb;
    private readonly ConnectEndpoint _connect;
    private readonly ILogger _logger;
    private volatile CorsPolicy? _cors;

    public BrowserEndpoint(ProxySnapshotProvider snapshots, RestTranscodingEndpoint rest, GrpcWebGateway grpcWeb, ConnectEndpoint connect, ILogger<BrowserEndpoint> logger)
    {
        _snapshots = snapshots;
        _rest = rest;
        _grpcWeb = grpcWeb;
        _connect = connect;
        _logger = logger;
    }

    public Task InvokeAsync(HttpContext context)
    {
        if (_snapshots.Current?.Config.Browser is not { } browser)
        {
            return _rest.InvokeAsync(context);
        }

        var request = context.Request;

        // 1. CORS (Fetch standard, CORS protocol): preflights are answered here for every path; actual requests from
        //    an allowed origin get their headers when the response starts, whichever handler writes it.
        if (browser.Cors is { } cors && request.Headers.Origin is { Count: > 0 } originValues && originValues.ToString() is { } origin)
        {
            var policy = Policy(cors);
            if (CorsPolicy.IsPreflight(request))
            {
                if (!policy.Allows(origin))
                {
                    BrowserLog.PreflightRefused(_logger, request.Path.Value ?? string.Empty, origin);
                }

                policy.AnswerPreflight(context, origin);
                return Task.CompletedTask;
            }

            policy.Apply(context, origin);
        }

        // 2. The protocol, by content type: gRPC-Web, Connect, else REST.
        if (browser.GrpcWeb && GrpcWebGateway.Handles(request))
        {
            return _grpcWeb.InvokeAsync(context);
        }

        if (browser.Connect && ConnectEndpoint.TryClassify(request, out var call))
        {
            return _connect.InvokeAsync(context, call, browser);
        }

        return _rest.InvokeAsync(context);
    }

    /// <summary>The compiled policy of the live config, rebuilt when a reload changed it (records compare by value).</summary>
    private CorsPolicy Policy(CorsConfig config)
    {
        var policy = _cors;
        if (policy is null || !policy.Config.Equals(config))
        {
            policy = new CorsPolicy(config);
            _cors = policy;
        }

        return policy;
    }
}
