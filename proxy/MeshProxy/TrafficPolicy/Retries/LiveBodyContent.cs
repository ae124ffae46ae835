using System.Net;

namespace MeshProxy.TrafficPolicy.Retries;

/// <summary>
/// The request content of the attempt that reads the caller's body: the forwarder's content, pumped through a
/// <see cref="DetachableUpstreamStream"/>. Only the first attempt with a body to send uses it; later attempts replay.
/// </summary>
/// <remarks>
/// The forwarder's content is copied under the token the forwarder sent the request with, its own idle source's, and
/// nothing else. The content then neither links that token to ours in a source of its own per call, nor flushes after
/// each write (the upstream stream here flushes each write itself). With YARP's forwarder that was 1.3 % of the
/// proxy's CPU (docs/benchmarks.md); <c>Forwarding/CallerBodyContent</c> keeps the rule. The pump is stopped through the
/// caller's reader instead of a token (<see cref="CallerRequestBody.StopReading"/>). Another token would cost only what
/// it did before.
/// </remarks>
internal sealed class LiveBodyContent : HttpContent
{
    private readonly HttpContent _inner;
    private readonly ReplayBody _body;
    private readonly CallerRequestBody? _caller;
    private readonly CancellationToken _forwarderToken;

    /// <summary>
    /// Pumps <paramref name="inner"/>, which reads <paramref name="caller"/> (null when the caller's body is read by
    /// something else), recording into <paramref name="body"/>; <paramref name="forwarderToken"/> is the one the
    /// forwarder passed to the handler.
    /// </summary>
    public LiveBodyContent(HttpContent inner, ReplayBody body, CallerRequestBody? caller, CancellationToken forwarderToken)
    {
        _inner = inner;
        _body = body;
        _caller = caller;
        _forwarderToken = forwarderToken;
        CallerContentHeaders.CopyTo(inner, this);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var body = _body;
        if (!body.TryStartPump(_caller))
        {
            throw new BodyPumpedException();
        }

        // Not the handler's token: HttpClient cancels it when this upstream stops wanting the body, and the pump must
        // then go on reading the caller for a replay, so it only tells the body. The body stops the pump through the
        // caller's reader once no replay can follow; the forwarder's token (caller abort, idle timeout) ends the copy too.
        using var registration = cancellationToken.UnsafeRegister(static state => ((ReplayBody)state!).UpstreamGone(), body);
        try
        {
            await _inner.CopyToAsync(new DetachableUpstreamStream(stream, body), context, _forwarderToken).ConfigureAwait(false);
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
