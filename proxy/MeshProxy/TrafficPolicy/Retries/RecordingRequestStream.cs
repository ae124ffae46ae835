using MeshProxy.IO;

namespace MeshProxy.TrafficPolicy.Retries;

/// <summary>
/// Stands in for the caller's request body while a call may be retried: every byte read passes into the
/// <see cref="ReplayBody"/>, and a read that has to wait for the caller says so (the caller is still sending).
/// </summary>
internal sealed class RecordingRequestStream(Stream inner, ReplayBody body) : NonSeekableStream
{
    public override bool CanRead => true;

    public override bool CanWrite => false;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = inner.ReadAsync(buffer, cancellationToken);
        var pending = !read.IsCompleted;
        if (pending)
        {
            body.ReadPending();
        }

        var count = await read.ConfigureAwait(false);

        // YARP issues zero-byte reads to wait for data before renting a buffer: only an empty read into a non-empty
        // buffer is the caller's END_STREAM. A zero-byte read that had to wait ends the wait: the next read returns
        // data (or END_STREAM) at once.
        if (count > 0 || !buffer.IsEmpty)
        {
            body.Record(buffer.Span[..count]);
        }
        else if (pending)
        {
            body.DataArrived();
        }

        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = inner.Read(buffer, offset, count);
        if (read > 0 || count > 0)
        {
            body.Record(buffer.AsSpan(offset, read));
        }

        return read;
    }

    public override void Flush()
    {
    }

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
