using System.Runtime.CompilerServices;
using MeshProxy.IO;

namespace MeshProxy.Upstream;

/// <summary>
/// The response body of an upstream call, read from its <see cref="Http2Stream"/>'s buffer. With a <see cref="Pacer"/>
/// each read first waits for it (the caller's side taking the last write), so a copy loop that reads here waits with
/// its buffer given back.
/// </summary>
internal sealed class Http2ResponseBodyStream(Http2Stream stream) : NonSeekableStream
{
    private bool _disposed;

    public override bool CanRead => true;

    public override bool CanWrite => false;

    public IReadPacer? Pacer { get; set; }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (Pacer is { Ready: false } pacer)
        {
            return ReadWhenReadyAsync(pacer, buffer, cancellationToken);
        }

        return stream.ReadAsync(buffer, cancellationToken);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        stream.ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) =>
        stream.ReadAsync(buffer.AsMemory(offset, count), CancellationToken.None).AsTask().GetAwaiter().GetResult();

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReadWhenReadyAsync(IReadPacer pacer, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        await pacer.WhenReadyAsync().ConfigureAwait(false);
        return await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            stream.OnResponseDisposed();
        }

        base.Dispose(disposing);
    }

    public override void Flush()
    {
    }

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
