using MeshProxy.IO;

namespace MeshProxy.TrafficPolicy.Retries;

/// <summary>
/// The upstream request stream of the attempt that pumps the caller's body. When the upstream stops taking bytes
/// (it answered with END_STREAM before reading everything, or the stream broke) while the body can still be replayed,
/// the failure is swallowed and the pump goes on reading the caller into the <see cref="ReplayBody"/> only, so a
/// retry gets the whole body. Once the body cannot be replayed (over the limit, or committed), failures surface as
/// before and end the copy.
/// </summary>
internal sealed class DetachableUpstreamStream(Stream upstream, ReplayBody body) : NonSeekableStream
{
    private bool _detached;

    public override bool CanRead => false;

    public override bool CanWrite => true;

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_detached)
        {
            ThrowIfCannotReplay();
            return;
        }

        try
        {
            // Flushed here rather than by the forwarder's copy: each piece of a client-streaming call goes out when it
            // is read (LiveBodyContent says why the forwarder's copy does not flush).
            await upstream.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            await upstream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when ((ex is IOException or OperationCanceledException or ObjectDisposedException or HttpRequestException) && !body.CannotReplay)
        {
            _detached = true;
            body.UpstreamGone();
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_detached)
        {
            return;
        }

        try
        {
            await upstream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when ((ex is IOException or OperationCanceledException or ObjectDisposedException or HttpRequestException) && !body.CannotReplay)
        {
            _detached = true;
            body.UpstreamGone();
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

    public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private void ThrowIfCannotReplay()
    {
        if (body.CannotReplay)
        {
            // As a cancellation, like the upstream's own stop: the copy was cut short on purpose, not by a fault.
            throw new OperationCanceledException("The upstream stopped reading the request body and it can no longer be replayed.");
        }
    }
}
