using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using MeshProxy.IO;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace MeshProxy.Routing;

/// <summary>
/// The caller's HTTP/2 response body, written behind: a write copies its bytes into Kestrel's pipe and returns, and
/// the flush that sends them is waited for before the next read from the upstream (<see cref="IReadPacer"/>, which
/// <see cref="GrpcRequestTransformer"/> hands the upstream response).
/// </summary>
/// <remarks>
/// Why: Kestrel's HTTP/2 stream pipes pause at one byte, so every write waits until the connection's frame writer has
/// taken it, behind every other stream of that connection; and the forwarder's copy loop holds its 64 KiB pooled buffer
/// across the write. With 1,000 streams in flight most copies sat there: 542 live 64 KiB arrays, 35 of a 68 MB heap,
/// and under a 96 MiB heap limit the sidecar ran out of memory. The copy gives its buffer back while a zero-byte read is
/// pending, and that read is where the wait now happens, so only copies that are running hold a buffer.
/// <para>
/// Order is kept: the next write, a flush or the completion of the response first waits for the flush before it. A
/// flush that failed (the caller went away) is thrown from the next write, so the forwarder still blames the caller's
/// side and not the upstream. Only the forwarder's copy writes here, one write or read at a time; the pipe writer is
/// handed through for code that writes after the copy, when nothing is outstanding.
/// </para>
/// </remarks>
internal sealed class WriteBehindBody : NonSeekableStream, IHttpResponseBodyFeature, IReadPacer
{
    private readonly IHttpResponseBodyFeature _inner;
    private ValueTask<FlushResult> _flush;
    private ExceptionDispatchInfo? _failure;

    private WriteBehindBody(IHttpResponseBodyFeature inner) => _inner = inner;

    public override bool CanRead => false;

    public override bool CanWrite => true;

    Stream IHttpResponseBodyFeature.Stream => this;

    PipeWriter IHttpResponseBodyFeature.Writer => _inner.Writer;

    /// <summary>
    /// Writes the call's response behind when its caller is on HTTP/2, the only transport whose writes wait so (a
    /// gRPC-Web call over HTTP/1.1 has a reset feature of its own, but nothing to gain); null otherwise. The caller
    /// puts it in place of <paramref name="body"/> (<see cref="CallerResponse"/>).
    /// </summary>
    public static WriteBehindBody? Over(HttpRequest request, IHttpResetFeature? reset, IHttpResponseBodyFeature? body) =>
        HttpProtocol.IsHttp2(request.Protocol) && reset is not null && body is not null ? new WriteBehindBody(body) : null;

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!_flush.IsCompleted)
        {
            return WriteAfterFlushAsync(buffer, cancellationToken);
        }

        Observe();
        if (_failure is { } failure)
        {
            return ValueTask.FromException(failure.SourceException);
        }

        Send(buffer.Span, cancellationToken);
        return default;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) =>
        WriteAsync(buffer.AsMemory(offset, count), CancellationToken.None).AsTask().GetAwaiter().GetResult();

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        await WhenReadyAsync().ConfigureAwait(false);
        _failure?.Throw();
        await _inner.Writer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public bool Ready => _flush.IsCompleted;

    /// <summary>A flush to the caller failed or was cancelled: whatever fails next on this call is the caller's side.</summary>
    public bool CallerFailed => _failure is not null;

    /// <summary>The response was completed through this body: Kestrel has its end (trailers, END_STREAM) to send.</summary>
    public bool Completed { get; private set; }

    /// <summary>Waits for the last write's flush; its failure is kept for the next write to throw.</summary>
    public ValueTask WhenReadyAsync()
    {
        if (!_flush.IsCompleted)
        {
            return AwaitFlushAsync();
        }

        Observe();
        return default;
    }

    void IHttpResponseBodyFeature.DisableBuffering() => _inner.DisableBuffering();

    Task IHttpResponseBodyFeature.StartAsync(CancellationToken cancellationToken) => _inner.StartAsync(cancellationToken);

    async Task IHttpResponseBodyFeature.SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken)
    {
        await WhenReadyAsync().ConfigureAwait(false);
        await _inner.SendFileAsync(path, offset, count, cancellationToken).ConfigureAwait(false);
    }

    async Task IHttpResponseBodyFeature.CompleteAsync()
    {
        await WhenReadyAsync().ConfigureAwait(false);
        await _inner.CompleteAsync().ConfigureAwait(false);
        Completed = true;
    }

    // PipeWriter.Write copies before it returns, so the copy may reuse its buffer at once; the flush goes on without it.
    private void Send(ReadOnlySpan<byte> bytes, CancellationToken cancellationToken)
    {
        var writer = _inner.Writer;
        writer.Write(bytes);
        var flush = writer.FlushAsync(cancellationToken);
        if (flush.IsCompletedSuccessfully)
        {
            Settle(flush.Result);
        }
        else
        {
            _flush = flush;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteAfterFlushAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        await WhenReadyAsync().ConfigureAwait(false);
        _failure?.Throw();
        Send(buffer.Span, cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask AwaitFlushAsync()
    {
        try
        {
            Settle(await _flush.ConfigureAwait(false));
        }
        catch (Exception ex)
        {
            _failure ??= ExceptionDispatchInfo.Capture(ex);
        }
        finally
        {
            _flush = default;
        }
    }

    // A pipe may report a cancelled flush in its result rather than throw.
    private void Settle(FlushResult result)
    {
        if (result.IsCanceled)
        {
            _failure ??= ExceptionDispatchInfo.Capture(new OperationCanceledException("The flush to the caller was cancelled."));
        }
    }

    private void Observe()
    {
        try
        {
            Settle(_flush.Result);
        }
        catch (Exception ex)
        {
            _failure ??= ExceptionDispatchInfo.Capture(ex);
        }
        finally
        {
            _flush = default;
        }
    }
}
