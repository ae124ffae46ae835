using System.Buffers;

namespace MeshProxy.IO;

/// <summary>
/// Lets a copy loop that owns a large buffer go on while its write is still on the way: each write is copied into a
/// pooled array of its own size and handed to <paramref name="inner"/>, and the call returns at once; a flush is
/// chained behind it. At most one operation is in flight: the next write or flush waits for it, so backpressure is
/// kept, and a failure surfaces there (or in <see cref="DrainAsync"/>).
/// </summary>
/// <remarks>
/// Why: YARP's request-body copy rents a 64 KiB buffer per call and holds it until its write returns, and an HTTP/2
/// upstream write returns only once the connection's writer has taken the frame, which at a few hundred calls in
/// flight takes a while. The 64 KiB buffers then pile up (the shared ArrayPool overflows, or keeps hundreds of them
/// resident); a 100-byte gRPC message needs a 100-byte copy (docs/benchmarks.md, "memory").
/// </remarks>
internal sealed class WriteBehindStream(Stream inner) : NonSeekableStream
{
    private Task? _pending;

    public override bool CanRead => false;

    public override bool CanWrite => true;

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await DrainAsync().ConfigureAwait(false);
        if (buffer.IsEmpty)
        {
            return;
        }

        var copy = ArrayPool<byte>.Shared.Rent(buffer.Length);
        buffer.Span.CopyTo(copy);
        Track(WriteCopyAsync(copy, buffer.Length, cancellationToken));
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task FlushAsync(CancellationToken cancellationToken)
    {
        Track(_pending is { } previous ? FlushAfterAsync(previous, cancellationToken) : inner.FlushAsync(cancellationToken));
        return Task.CompletedTask;
    }

    /// <summary>Waits for the operation still in flight; its failure is thrown here.</summary>
    public Task DrainAsync()
    {
        var pending = _pending;
        _pending = null;
        return pending ?? Task.CompletedTask;
    }

    /// <summary>The copy ended without draining (it failed): the operation in flight is left to finish, its failure observed.</summary>
    public void Abandon()
    {
        if (DrainAsync() is { IsCompleted: false } pending)
        {
            _ = pending.ContinueWith(static task => _ = task.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        DrainAsync().GetAwaiter().GetResult();
        inner.Write(buffer, offset, count);
    }

    public override void Flush()
    {
        DrainAsync().GetAwaiter().GetResult();
        inner.Flush();
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private void Track(Task operation) => _pending = operation.IsCompletedSuccessfully ? null : operation;

    private async Task WriteCopyAsync(byte[] copy, int length, CancellationToken cancellationToken)
    {
        try
        {
            await inner.WriteAsync(copy.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    private async Task FlushAfterAsync(Task previous, CancellationToken cancellationToken)
    {
        await previous.ConfigureAwait(false);
        await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
