using MeshProxy.Observability;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace MeshProxy.Transcoding.Rest;

/// <summary>
/// The layered context on which a call that arrived in another protocol (REST, Connect) runs through the gRPC
/// endpoint: an HTTP/2 POST of <c>application/grpc</c> to a method path whose body is gRPC frames and
/// whose response lands in an <see cref="UpstreamResponseCapture"/>, over the caller's connection features.
/// </summary>
internal static class InnerGrpcContext
{
    /// <summary>The inner call of a request whose gRPC body is already whole: one framed message.</summary>
    public static HttpContext Create(HttpContext context, string grpcPath, IHeaderDictionary headers, byte[] frame, UpstreamResponseCapture capture) =>
        Create(context, grpcPath, headers, new MemoryStream(frame, writable: false), new WholeBodyPipeFeature(frame), capture);

    /// <summary>The inner call of a request whose gRPC body is produced as the caller's body arrives.</summary>
    public static HttpContext Create(HttpContext context, string grpcPath, IHeaderDictionary headers, Stream body, UpstreamResponseCapture capture) =>
        Create(context, grpcPath, headers, body, wholeReader: null, capture);

    private static HttpContext Create(HttpContext context, string grpcPath, IHeaderDictionary headers, Stream body, IRequestBodyPipeFeature? wholeReader, UpstreamResponseCapture capture)
    {
        var outer = context.Features.Get<IHttpRequestFeature>();
        var requestFeature = new HttpRequestFeature
        {
            // The inner call is an HTTP/2 gRPC call whatever protocol the caller spoke. The forwarder reads that from
            // Protocol alone, as YARP's did: only for HTTP/2 does it stream the request and complete the response
            // explicitly (CallForwarder: HTTP/2 and application/grpc), and YARP's HttpTransformer forwards
            // "te: trailers" only then, which PROTOCOL-HTTP2.md requires on every gRPC request.
            // TranscodingHeaderAndBodyTests.RequestHeaders_ChosenOnes_BecomeGrpcMetadata fails with the caller's protocol.
            Protocol = "HTTP/2",
            Scheme = outer?.Scheme ?? "http",
            Method = HttpMethods.Post,
            PathBase = string.Empty,
            Path = grpcPath,
            QueryString = string.Empty,
            RawTarget = grpcPath,
            Headers = headers,
            Body = body,
        };

        var features = new InnerFeatureCollection(context.Features);
        var requestExtras = new InnerRequestFeatures(body, context.RequestAborted);
        features.Set<IHttpRequestFeature>(requestFeature);
        features.Set<IHttpRequestBodyDetectionFeature>(requestExtras);
        features.Set<IRequestBodyPipeFeature>(wholeReader ?? requestExtras);
        features.Set<IHttpUpgradeFeature>(requestExtras);
        features.Set<IHttpRequestLifetimeFeature>(requestExtras);
        features.Set<IHttpMinRequestBodyDataRateFeature>(requestExtras);
        features.Set<IHttpMaxRequestBodySizeFeature>(requestExtras);
        features.Set<IHttpResponseFeature>(capture);
        features.Set<IHttpResponseBodyFeature>(capture);
        features.Set<IHttpResponseTrailersFeature>(capture);
        return new DefaultHttpContext(features);
    }

    /// <summary>The request id (the caller's or a new one) is the inner call's, and the caller gets it back.</summary>
    public static void ShareRequestId(HttpContext context, HttpContext inner)
    {
        var requestId = RequestId.Ensure(inner.Request);
        context.Response.OnStarting(static state =>
        {
            var (response, id) = ((HttpResponse, string))state;
            response.Headers[RequestId.Header] = id;
            return Task.CompletedTask;
        }, (context.Response, requestId));
    }
}
