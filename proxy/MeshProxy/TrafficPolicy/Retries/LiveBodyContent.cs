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
        CallerContentHeaders.CopyTo(inner, this);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var body = _body;
        if (!body.TryStartPump(out var stop))
        {
            throw new BodyPumpedException();
        }

        // Not the handler's token: HttpClient cancels it when this upstream stops wanting the body, and the pump must
        // then go on reading the caller for a replay, so it only tells the body. The pump's own token stops it once
        // no replay can follow; YARP links its token (caller abort, idle timeout) to it, so those end the copy too.
        using var registration = cancellationToken.UnsafeRegister(static state => ((ReplayBody)state!).UpstreamGone(), body);
        try
        {
            await _inner.CopyToAsync(new DetachableUpstreamStream(stream, body), context, stop).ConfigureAwait(false);
        }
        finally
        {
            body.PumpEnded();
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }
}
