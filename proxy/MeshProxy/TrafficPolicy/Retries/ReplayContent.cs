using System.Net;

namespace MeshProxy.TrafficPolicy.Retries;

/// <summary>A retry's request content: the caller's whole body from the replay buffer, byte for byte.</summary>
internal sealed class ReplayContent : HttpContent
{
    private readonly ReplayLease _lease;
    private int _started;

    public ReplayContent(ReplayLease lease, HttpContent original)
    {
        _lease = lease;
        CallerContentHeaders.CopyTo(original, this);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        Interlocked.Exchange(ref _started, 1);
        try
        {
            await stream.WriteAsync(_lease.Body, cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _lease.Dispose();
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        // As the caller sent it: gRPC bodies go without content-length (PROTOCOL-HTTP2.md), so the retry does too.
        length = -1;
        return false;
    }

    protected override void Dispose(bool disposing)
    {
        // A send that started returns the lease when it ends: the buffer must outlive the last write.
        if (disposing && Volatile.Read(ref _started) == 0)
        {
            _lease.Dispose();
        }

        base.Dispose(disposing);
    }
}
