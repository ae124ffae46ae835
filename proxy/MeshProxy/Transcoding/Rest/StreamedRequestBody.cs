using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.InteropServices;
using MeshProxy.Grpc.Framing;
using MeshProxy.IO;
using MeshProxy.Transcoding.Rules;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.Transcoding.Rest;

/// <summary>
/// The request body of a client- or bidi-streaming transcoded call, read by the forwarder as gRPC length-prefixed
/// messages while the REST body is still arriving. A subclass cuts the REST body into message bodies
/// (<see cref="NextFrameAsync"/>); this class builds each into one frame with <see cref="RequestMessageBuilder"/> (so
/// path and query bindings apply to every message) and hands it out. Only one frame is held at a time. A refused body
/// stops the stream: <see cref="Error"/> says why, and the read fails so the forwarder resets the upstream call.
/// <para>
/// This is the only reader of the REST request's body (Kestrel's), and it never leaves a read of it pending: when the
/// handler returns, Kestrel drains the rest of an HTTP/1.1 body, and a read still in flight makes that drain fail
/// ("Reading is already in progress", <c>RequestBodyDrainBodyReaderInvalidState</c>, and the connection is dropped).
/// A read can outlive the call two ways: the commit gate's read left waiting for a call whose upstream never started
/// (connect refused), and a cancelled read. Kestrel's Content-Length body stays "reading" after a read cancelled by its
/// token, so a token never reaches Kestrel's reader: it calls <see cref="PipeReader.CancelPendingRead"/>, whose
/// result is handed back before the cancellation is thrown. <see cref="SettleAsync"/>, called when the call has ended,
/// ends the read still in flight that way and waits for it.
/// </para>
/// </summary>
internal abstract class StreamedRequestBody : NonSeekableStream
{
    private readonly HttpBinding _binding;
    private readonly IReadOnlyList<PathVariable> _variables;
    private readonly QueryString _query;
    private readonly RequestBuildOptions _options;
    private readonly ArrayBufferWriter<byte> _frame;
    private readonly Lock _sync = new();
    private int _frameOffset;
    private bool _reading;
    private bool _settled;

    // Made only by a settle that finds a read in flight; completed when that read ends.
    private TaskCompletionSource? _readEnded;

    protected StreamedRequestBody(PipeReader source, HttpBinding binding, IReadOnlyList<PathVariable> variables, QueryString query, RequestBuildOptions options, int initialFrameBytes)
    {
        Source = source;
        _binding = binding;
        _variables = variables;
        _query = query;
        _options = options;
        _frame = new ArrayBufferWriter<byte>(initialFrameBytes);
    }

    /// <summary>Set when the body was refused; the REST caller gets this status and message.</summary>
    public RequestBodyError? Error { get; private set; }

    /// <summary>Messages sent upstream so far.</summary>
    public abstract int Messages { get; }

    public override bool CanRead => true;

    public override bool CanWrite => false;

    protected PipeReader Source { get; }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_frameOffset == _frame.WrittenCount && !await NextFrameTrackedAsync(cancellationToken).ConfigureAwait(false))
        {
            return 0;
        }

        var count = Math.Min(buffer.Length, _frame.WrittenCount - _frameOffset);
        _frame.WrittenMemory.Slice(_frameOffset, count).CopyTo(buffer);
        _frameOffset += count;
        return count;
    }

    /// <summary>
    /// The call has ended: no more reads, and the read of the REST body still in flight, if any (see the type's
    /// remarks), is ended and awaited, so Kestrel finds its body reader idle.
    /// </summary>
    public Task SettleAsync()
    {
        TaskCompletionSource readEnded;
        lock (_sync)
        {
            _settled = true;
            if (!_reading)
            {
                return Task.CompletedTask;
            }

            readEnded = _readEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        Source.CancelPendingRead();
        return readEnded.Task;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <summary>Builds the next frame with <see cref="BuildFrame"/>; false once the REST body has ended.</summary>
    /// <remarks>Reads the REST body only through <see cref="ReadSourceAsync"/>.</remarks>
    protected abstract ValueTask<bool> NextFrameAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Reads the REST body. <paramref name="cancellationToken"/> (and <see cref="SettleAsync"/>) end a waiting read with
    /// <see cref="PipeReader.CancelPendingRead"/>; its result is handed back to Kestrel before the cancellation is
    /// thrown, so Kestrel's reader is never left mid-read. A cancelled result nobody asked for (a cancel that came after
    /// its read had completed) is read past.
    /// </summary>
    protected async ValueTask<ReadResult> ReadSourceAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            ReadResult result;
            using (cancellationToken.UnsafeRegister(static state => ((PipeReader)state!).CancelPendingRead(), Source))
            {
                result = await Source.ReadAsync(CancellationToken.None).ConfigureAwait(false);
            }

            if (!result.IsCanceled)
            {
                return result;
            }

            if (Stopping(cancellationToken))
            {
                // Consumed nothing, examined everything: the only valid hand-back whatever an earlier read examined.
                Source.AdvanceTo(result.Buffer.Start, result.Buffer.End);
                cancellationToken.ThrowIfCancellationRequested();
                throw new OperationCanceledException("The transcoded call has ended; its request body is no longer read.");
            }

            if (!result.Buffer.IsEmpty || result.IsCompleted)
            {
                return result;
            }

            Source.AdvanceTo(result.Buffer.Start);
        }
    }

    /// <summary>Replaces the held frame with the message built from <paramref name="body"/>; the builder's refusal, if any.</summary>
    protected RequestBuildError? BuildFrame(ReadOnlySequence<byte> body, string? contentType)
    {
        _frame.ResetWrittenCount();
        _frameOffset = 0;
        GrpcMessagePrefix.Reserve(_frame);
        var error = RequestMessageBuilder.Build(_binding, _variables, _query, body, contentType, _options, _frame);
        if (error is not null)
        {
            return error;
        }

        // The prefix was reserved before the message was built; its length is known only now.
        GrpcMessagePrefix.Complete(MemoryMarshal.AsMemory(_frame.WrittenMemory).Span);
        return null;
    }

    private async ValueTask<bool> NextFrameTrackedAsync(CancellationToken cancellationToken)
    {
        lock (_sync)
        {
            if (_settled)
            {
                throw new OperationCanceledException("The transcoded call has ended; its request body is no longer read.");
            }

            _reading = true;
        }

        try
        {
            return await NextFrameAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex)
        {
            // Kestrel refused the body (408: slower than the REST body rate, or a stall): the caller gets that status,
            // not the CANCELLED that the reset upstream call would map to.
            throw Fail(ex.StatusCode, ex.Message);
        }
        finally
        {
            TaskCompletionSource? readEnded;
            lock (_sync)
            {
                _reading = false;
                readEnded = _readEnded;
            }

            readEnded?.TrySetResult();
        }
    }

    private bool Stopping(CancellationToken cancellationToken)
    {
        lock (_sync)
        {
            return _settled || cancellationToken.IsCancellationRequested;
        }
    }

    /// <summary>Records why the body was refused; throw the result to stop the stream.</summary>
    protected IOException Fail(int status, string message)
    {
        Error = new RequestBodyError(status, message);
        return new IOException(message);
    }
}
