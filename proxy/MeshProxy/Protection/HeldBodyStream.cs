using System.Buffers;
using System.IO.Pipelines;
using MeshProxy.IO;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace MeshProxy.Protection;

/// <summary>
/// The request body after <see cref="CallerCommitGate"/> read part of it: first the bytes the gate held, then the read
/// it left pending (if it stopped waiting with one in flight), then the body as Kestrel serves it. Only one read is
/// ever in flight on Kestrel's reader, so it never sees two ("Reading is already in progress").
/// </summary>
internal sealed class HeldBodyStream(ReadOnlyMemory<byte> held, Task<ReadResult>? pending, PipeReader reader, Stream body) : NonSeekableStream
{
    /// <summary>
    /// Becomes the request's body, and its pipe too: <see cref="HttpRequest.BodyReader"/> (what the forwarder reads)
    /// must read this stream, not the server's pipe, which no longer holds the bytes the gate took. Removing the pipe
    /// feature instead would not do: on a transcoded call's layered features it uncovers the REST request's own.
    /// </summary>
    public static void Install(HttpContext context, ReadOnlyMemory<byte> held, Task<ReadResult>? pending, PipeReader reader)
    {
        var stream = new HeldBodyStream(held, pending, reader, context.Request.Body);
        var pipe = new StreamPipe(PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true)));
        context.Request.Body = stream;
        context.Features.Set<IRequestBodyPipeFeature>(pipe);

        // Gives its pooled buffers back once the exchange is over.
        context.Response.OnCompleted(static state => ((PipeReader)state).CompleteAsync().AsTask(), pipe.Reader);
    }

    private sealed class StreamPipe(PipeReader reader) : IRequestBodyPipeFeature
    {
        public PipeReader Reader { get; } = reader;
    }

    private ReadOnlyMemory<byte> _held = held;
    private Task<ReadResult>? _pending = pending;

    public override bool CanRead => true;

    public override bool CanWrite => false;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!_held.IsEmpty)
        {
            var take = Math.Min(buffer.Length, _held.Length);
            _held.Span[..take].CopyTo(buffer.Span);
            _held = _held[take..];
            return take;
        }

        if (_pending is { } pending)
        {
            _pending = null;
            var result = await pending.WaitAsync(cancellationToken).ConfigureAwait(false);
            var data = result.Buffer;
            if (!data.IsEmpty || result.IsCompleted)
            {
                var take = (int)Math.Min(buffer.Length, data.Length);
                data.Slice(0, take).CopyTo(buffer.Span);
                reader.AdvanceTo(data.GetPosition(take));
                return take;
            }

            reader.AdvanceTo(data.Start);
        }

        return await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("The request body is read asynchronously.");

    public override void Flush()
    {
    }

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
