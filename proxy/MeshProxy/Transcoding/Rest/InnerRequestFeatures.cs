using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace MeshProxy.Transcoding.Rest;

/// <summary>
/// Request-side features of the inner gRPC call that must not fall through to Kestrel's HTTP/1.1 connection: the
/// forwarder asks <see cref="IHttpRequestBodyDetectionFeature"/> whether to send a body (Kestrel says no for a GET), readers may
/// use <see cref="IRequestBodyPipeFeature"/> (Kestrel's would read the REST body, not our frames), and an HTTP/1.1
/// Upgrade header must not turn the call into a WebSocket proxy. <see cref="IHttpRequestLifetimeFeature.Abort"/> is
/// kept here too: the forwarder aborts the request to reset a gRPC stream that failed after its headers, which for a REST
/// caller must end the inner call only, not the HTTP/1.1 connection we still write the error on.
/// <para>
/// The body limits are the inner call's own too. YARP's forwarder lifted the minimum data rate and the size limit of
/// every gRPC request it streamed (<c>StreamCopyHttpContent</c>; ours leaves that to the gRPC listener); reaching Kestrel's features of the REST request, that lift turned
/// the REST listener's body rate off for streamed bodies, so a stalled one was never cut, and Kestrel's heartbeat,
/// which was already timing the read, threw a NullReferenceException once a second (HandleReadDataRateTimeout). Here
/// the lift lands on values nothing reads; the REST listener's limits stay on the REST request, where Kestrel applies
/// them (a 408 that the REST endpoint answers with a Status body), and the REST endpoint sets its own size limits.
/// </para>
/// </summary>
internal sealed class InnerRequestFeatures(Stream body, CancellationToken requestAborted)
    : IHttpRequestBodyDetectionFeature, IRequestBodyPipeFeature, IHttpUpgradeFeature, IHttpRequestLifetimeFeature,
        IHttpMinRequestBodyDataRateFeature, IHttpMaxRequestBodySizeFeature
{
    private PipeReader? _reader;

    /// <summary>True once the gRPC side aborted the inner call (a stream reset after the response started).</summary>
    public bool Aborted { get; private set; }

    public CancellationToken RequestAborted { get; set; } = requestAborted;

    public void Abort() => Aborted = true;

    public bool CanHaveBody => true;

    public PipeReader Reader => _reader ??= PipeReader.Create(body, new StreamPipeReaderOptions(leaveOpen: true));

    public bool IsUpgradableRequest => false;

    public MinDataRate? MinDataRate { get; set; }

    public bool IsReadOnly => false;

    public long? MaxRequestBodySize { get; set; }

    public Task<Stream> UpgradeAsync() => throw new NotSupportedException("A transcoded call cannot be upgraded.");
}
