using MeshProxy.IO;
using MeshProxy.TrafficPolicy;
using MeshProxy.Upstream;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace MeshProxy.Routing;

/// <summary>
/// Copies the call as it is (YARP's base transformer: all headers, te: trailers, grpc-* and -bin metadata, trailers
/// back), adds no X-Forwarded-* headers and keeps the caller's :authority (Host, which Kestrel validated, copied raw),
/// as Envoy does by default for a sidecar: the proxy is invisible to both sides, and backends that route or authorise
/// on :authority keep working. The upstream URI is the destination's own for the method
/// (<see cref="DestinationState.Uris"/>), made once rather than per call.
/// </summary>
/// <remarks>
/// One per call, holding the call and its response pacer, so YARP's transform steps need not look the call up among the
/// request's features, and the pacer need not travel through the call object. (A small object per call; measured
/// neither cheaper nor dearer than the lookups, docs/benchmarks.md.)
/// </remarks>
internal sealed class GrpcRequestTransformer(ProxyCall call, IReadPacer? pacer) : HttpTransformer
{
    public override ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        if (call.Destination is { } destination)
        {
            var request = httpContext.Request;
            proxyRequest.RequestUri = destination.Uris.For(request.Path, request.QueryString);
            if (call.TryTakeCallerHeaders())
            {
                // The lean client sends them by the same rules, without the copy (Upstream/CallerHeaders.cs).
                return default;
            }
        }

        return base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
    }

    /// <summary>
    /// Paces the upstream body's reads by the caller's written-behind response (<see cref="WriteBehindBody"/>), and
    /// copies the response's fields itself when the lean client kept them out of the message (a call that took the
    /// caller's headers), by the same rules as the base transform.
    /// </summary>
    public override ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        if (proxyResponse?.Content is Http2ResponseContent content)
        {
            if (pacer is not null)
            {
                content.PaceReadsBy(pacer);
            }

            if (UpstreamResponseFields.TryCopyHeaders(proxyResponse, httpContext.Response))
            {
                return new ValueTask<bool>(true);
            }
        }

        return base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
    }

    public override ValueTask TransformResponseTrailersAsync(HttpContext httpContext, HttpResponseMessage proxyResponse, CancellationToken cancellationToken) =>
        UpstreamResponseFields.TryCopyTrailers(proxyResponse, httpContext) ? default : base.TransformResponseTrailersAsync(httpContext, proxyResponse, cancellationToken);
}
