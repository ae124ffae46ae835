using MeshProxy.TrafficPolicy;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace MeshProxy.Routing;

/// <summary>
/// Copies the call as it is (YARP's base transformer: all headers, te: trailers, grpc-* and -bin metadata, trailers
/// back), adds no X-Forwarded-* headers and keeps the caller's :authority, as Envoy does by default for a sidecar:
/// the proxy is invisible to both sides, and backends that route or authorise on :authority keep working. The base
/// copies Host (Kestrel's :authority, which it validated) as it came, unparsed; setting the typed
/// <c>Headers.Host</c> again only parsed it a second time (docs/benchmarks.md, "The shared forwarding path, trimmed").
/// The upstream request carries its <see cref="ProxyCall"/> to the cluster's handler, which writes what each try
/// changes (<c>grpc-timeout</c>, the trace context) in one place for the first try and every retry.
/// </summary>
internal sealed class GrpcRequestTransformer : HttpTransformer
{
    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken).ConfigureAwait(false);
        if (httpContext.Features.Get<ProxyCall>() is { } call)
        {
            proxyRequest.Options.Set(ProxyCall.OptionKey, call);
        }
    }
}
