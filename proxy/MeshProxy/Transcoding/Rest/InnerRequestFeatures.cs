using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;

namespace MeshProxy.Transcoding.Rest;

/// <summary>
/// Request-side features of the inner gRPC call that must not fall through to Kestrel's HTTP/1.1 connection: YARP
/// asks <see cref="IHttpRequestBodyDetectionFeature"/> whether to send a body (Kestrel says no for a GET), readers may
/// use <see cref="IRequestBodyPipeFeature"/> (Kestrel's would read the REST body, not our frames), and an HTTP/1.1
/// Upgrade header must not turn the call into a WebSocket proxy.
/// </summary>
internal sealed class InnerRequestFeatures(Stream body) : IHttpRequestBodyDetectionFeature, IRequestBodyPipeFeature, IHttpUpgradeFeature
{
    private PipeReader? _reader;

    public bool CanHaveBody => true;

    public PipeReader Reader => _reader ??= PipeReader.Create(body, new StreamPipeReaderOptions(leaveOpen: true));

    public bool IsUpgradableRequest => false;

    public Task<Stream> UpgradeAsync() => throw new NotSupportedException("A transcoded call cannot be upgraded.");
}
