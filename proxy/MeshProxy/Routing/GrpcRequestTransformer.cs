using MeshProxy.Grpc;
using MeshProxy.TrafficPolicy.Retries;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace MeshProxy.Routing;

/// <summary>
/// Copies the call as it is (YARP's base transformer: all headers, te: trailers, grpc-* and -bin metadata, trailers
/// back), adds no X-Forwarded-* headers and keeps the caller's :authority, as Envoy does by default for a sidecar:
/// the proxy is invisible to both sides, and backends that route or authorise on :authority keep working.
/// The one rewrite: <c>grpc-timeout</c> becomes the time left of the call's deadline when it is sent upstream.
/// A call that may be retried carries its <see cref="RetryCall"/> to the cluster's <see cref="RetryHandler"/> in the
/// request options.
/// </summary>
internal sealed class GrpcRequestTransformer : HttpTransformer
{
    private readonly TimeProvider _time;

    public GrpcRequestTransformer(TimeProvider time) => _time = time;

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken).ConfigureAwait(false);

        // The base copies Host from the incoming request already; set it explicitly since it is a promise we make.
        proxyRequest.Headers.Host = httpContext.Request.Host.Value;

        proxyRequest.Headers.Remove(GrpcProtocol.TimeoutHeader);
        if (httpContext.Features.Get<CallDeadline>() is { } deadline)
        {
            var left = deadline.Remaining(_time);
            proxyRequest.Headers.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, GrpcTimeout.Format(left < TimeSpan.Zero ? TimeSpan.Zero : left));
        }

        if (httpContext.Features.Get<RetryCall>() is { } retry)
        {
            proxyRequest.Options.Set(RetryCall.OptionKey, retry);
        }
    }
}
