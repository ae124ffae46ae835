using System.Buffers;
using System.IO.Pipelines;
using MeshProxy.IO;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace MeshProxy.Observability.AccessLog;

/// <summary>
/// Counts the body bytes of one logged call as the caller's side sees them: <see cref="RequestBytes"/> read from the
/// caller, <see cref="ResponseBytes"/> written to it (Envoy's BYTES_RECEIVED / BYTES_SENT). For gRPC that is the DATA
/// frame payload, i.e. the length-prefixed messages; for a transcoded REST call it is the HTTP bodies of the REST
/// exchange. Installed over the request body and response body features only for calls the access log samples, so an
/// unlogged call allocates nothing more. Reads through the stream and through the pipe each go to the server's own
/// object, so a byte is never counted twice.
/// </summary>
internal sealed class BodyByteCounter : IHttpResponseBodyFeature, IRequestBodyPipeFeature
{
    /// <summary>Marks a call the access log decided not to log (shared; never counts).</summary>
    public static readonly BodyByteCounter NotLogged = new();

    private readonly IHttpResponseBodyFeature? _response;
    private readonly CountingRequestStream? _requestStream;
    private readonly CountingPipeReader? _requestReader;
    private CountingResponseStream? _responseStream;
    private CountingPipeWriter? _responseWriter;
    private long _requestBytes;
    private long _responseBytes;

    private BodyByteCounter()
    {
    }

    private BodyByteCounter(HttpContext context, IHttpResponseBodyFeature response)
    {
        _response = response;

        // The pipe first: Kestrel's reader follows Request.Body once that is replaced, and ours must wrap the original.
        if (context.Features.Get<IRequestBodyPipeFeature>() is { } pipe)
        {
            _requestReader = new CountingPipeReader(pipe.Reader, this);
        }

        _requestStream = new CountingRequestStream(context.Request.Body, this);
    }

    /// <summary>Whether this is a real counter (false for <see cref="NotLogged"/>).</summary>
    public bool IsLogged => _response is not null;

    public long RequestBytes => Volatile.Read(ref _requestBytes);

    public long ResponseBytes => Volatile.Read(ref _responseBytes);

    Stream IHttpResponseBodyFeature.Stream => _responseStream ??= new CountingResponseStream(_response!.Stream, this);

    PipeWriter IHttpResponseBodyFeature.Writer => _responseWriter ??= new CountingPipeWriter(_response!.Writer, this);

    PipeReader IRequestBodyPipeFeature.Reader => _requestReader!;

    /// <summary>Wraps the bodies of <paramref name="context"/> and registers the counter as a feature.</summary>
    public static BodyByteCounter Install(HttpContext context)
    {
        var response = context.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
        var counter = new BodyByteCounter(context, response);
        context.Features.Set<BodyByteCounter>(counter);
        context.Features.Set<IHttpResponseBodyFeature>(counter);
        if (counter._requestReader is not null)
        {
            context.Features.Set<IRequestBodyPipeFeature>(counter);
        }

        context.Request.Body = counter._requestStream!;
        return counter;
    }

    public void DisableBuffering() => _response!.DisableBuffering();

    public Task StartAsync(CancellationToken cancellationToken = default) => _response!.StartAsync(cancellationToken);

    public Task CompleteAsync() => _response!.CompleteAsync();

    public async Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default)
    {
        await _response!.SendFileAsync(path, offset, count, cancellationToken).ConfigureAwait(false);
        AddResponse(count ?? (new FileInfo(path).Length - offset));
    }

    internal void AddRequest(long bytes) => Interlocked.Add(ref _requestBytes, bytes);

    internal void AddResponse(long bytes) => Interlocked.Add(ref _responseBytes, bytes);

    private sealed class CountingRequestStream(Stream inner, BodyByteCounter counter) : NonSeekableStream
    {
        public override bool CanRead => inner.CanRead;

        public override bool CanWrite => false;

        public override int Read(byte[] buffer, int offset, int count) => Counted(inner.Read(buffer, offset, count));

        public override int Read(Span<byte> buffer) => Counted(inner.Read(buffer));

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Counted(await inner.ReadAsync(buffer.AsMemory(offset, count), cancellationToken).ConfigureAwait(false));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Counted(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

        public override void Flush()
        {
        }

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int Counted(int read)
        {
            counter.AddRequest(read);
            return read;
        }
    }

    private sealed class CountingResponseStream(Stream inner, BodyByteCounter counter) : NonSeekableStream
    {
        public override bool CanRead => false;

        public override bool CanWrite => true;

        public override void Write(byte[] buffer, int offset, int count)
        {
            inner.Write(buffer, offset, count);
            counter.AddResponse(count);
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            inner.Write(buffer);
            counter.AddResponse(buffer.Length);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            counter.AddResponse(buffer.Length);
        }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private sealed class CountingPipeReader(PipeReader inner, BodyByteCounter counter) : PipeReader
    {
        private ReadOnlySequence<byte> _last;

        public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
        {
            // Bytes are counted when consumed, so a buffer examined and read again is counted once.
            counter.AddRequest(_last.Slice(_last.Start, consumed).Length);
            _last = default;
            inner.AdvanceTo(consumed, examined);
        }

        public override void CancelPendingRead() => inner.CancelPendingRead();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

        public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
        {
            var result = await inner.ReadAsync(cancellationToken).ConfigureAwait(false);
            _last = result.Buffer;
            return result;
        }

        public override bool TryRead(out ReadResult result)
        {
            if (inner.TryRead(out result))
            {
                _last = result.Buffer;
                return true;
            }

            return false;
        }
    }

    private sealed class CountingPipeWriter(PipeWriter inner, BodyByteCounter counter) : PipeWriter
    {
        public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

        public override long UnflushedBytes => inner.UnflushedBytes;

        public override void Advance(int bytes)
        {
            inner.Advance(bytes);
            counter.AddResponse(bytes);
        }

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);

        public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);

        public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
        {
            counter.AddResponse(source.Length);
            return inner.WriteAsync(source, cancellationToken);
        }
    }
}
