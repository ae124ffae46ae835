using System.Net;

namespace MeshProxy.TrafficPolicy.Retries;

/// <summary>
/// The request content of the attempt that reads the caller's body: YARP's content, pumped through a
/// <see cref="DetachableUpstreamStream"/>. Only the first attempt with a body to send uses it; later attempts replay.
/// </summary>
internal sealed class LiveBodyContent : HttpContent
{
    private readonly HttpContent _inner;
    private readonly ReplayBody _body;

    public LiveBodyContent(HttpContent inner, ReplayBody body)
    {
        _inner = inner;
        _body = body;
        foreach (var header in inner.Headers)
        {
            Headers.TryAddWithoutValidation(header.Key, header.Value);
        }
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        if (!_body.TryStartPump())
        {
            throw new InvalidOperationException("The caller's request body is already being read by another attempt.");
        }

        try
        {
            // Not the handler's token: it is cancelled when this upstream stops wanting the body, and the pump must
            // then go on reading the caller for a replay. YARP's own token (caller abort, idle timeout) still ends it.
            await _inner.CopyToAsync(new DetachableUpstreamStream(stream, _body), context, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _body.PumpEnded();
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }
}
