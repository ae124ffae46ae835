using MeshProxy.IO;

namespace MeshProxy.Routing;

/// <summary>The caller's response body as the forwarder writes it, with every byte that went through shown to a <see cref="GrpcFrameBoundary"/>.</summary>
internal sealed class FrameTrackingStream(Stream inner, GrpcFrameBoundary frames) : NonSeekableStream
{
    /// <summary>A write failed part way: how much of it went out is unknown.</summary>
    public bool Faulted { get; private set; }

    public override bool CanRead => false;

    public override bool CanWrite => true;

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Faulted = true;
            throw;
        }

        frames.Advance(buffer.Span);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        try
        {
            inner.Write(buffer);
        }
        catch
        {
            Faulted = true;
            throw;
        }

        frames.Advance(buffer);
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
