using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using MeshProxy.IO;
using MeshProxy.TrafficPolicy.Retries;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.TrafficPolicy;

/// <summary>
/// The caller's request body as the forwarder reads it: one stream read straight from the request's pipe, which records
/// every byte for replays when the call may be sent more than once (<see cref="ReplayBody"/>), tells the replay buffer
/// when a read has to wait for the caller, and notes a read cut by cancellation (<see cref="ReadCut"/>).
/// </summary>
/// <remarks>
/// <para>
/// Why one stream over the pipe: the forwarder reads <see cref="HttpRequest.Body"/>, and the server's body stream is itself an
/// async layer over the same pipe. With the recording and the cut marker as wrappers of their own, every read of the
/// caller went through four streams. Reading the pipe here leaves one. <see cref="HttpRequest.BodyReader"/> always
/// reads what <see cref="HttpRequest.Body"/> does: the server's own pipe, or a feature set together with a replaced body
/// (the access log's counter, a transcoded call's whole body), or the framework's reader over a replaced body stream
/// (the commit gate's held bytes).
/// </para>
/// <para>
/// Why <see cref="ReadCut"/>: the forwarder has one idle timer for both directions, as YARP's has. When it fires before
/// response headers with the request body still open, the upstream send (cancelled) and the request copy (its read
/// from the caller cancelled: an input error) fail together, and the forwarder's request-failure rule (YARP's, kept)
/// reports whichever it sees first: <c>RequestBodyClient</c> when the copy has already finished, else <c>RequestTimedOut</c>, which counts
/// against the destination. Which continuation runs first is the thread pool's choice. The marker says which side was
/// waiting, whatever the order (the endpoint reads it once forwarding has ended; the forwarder has awaited the copy by then). A
/// copy that was writing upstream when the timer fired is not marked: that wait was the destination's.
/// </para>
/// <para>
/// Why <see cref="StopReading"/>: the retry pump must stop reading the caller once no replay can follow and the upstream
/// is gone. A token of its own would have made the forwarder link it to its idle token in a source per call; the reader can
/// be woken for free instead. Only a read that is waiting is woken (<see cref="PipeReader.CancelPendingRead"/>): a stop
/// may come after the call ended, when the server may have given the pipe to another request.
/// </para>
/// </remarks>
internal sealed class CallerRequestBody : NonSeekableStream
{
    private readonly PipeReader _reader;
    private readonly ReplayBody? _replay;
    private readonly Lock _waitLock = new();
    private bool _waiting;
    private volatile bool _stopped;

    public CallerRequestBody(PipeReader reader, ReplayBody? replay)
    {
        _reader = reader;
        _replay = replay;
    }

    /// <summary>A read from the caller was pending when the reader's token was cancelled.</summary>
    public bool ReadCut { get; private set; }

    public override bool CanRead => true;

    public override bool CanWrite => false;

    /// <summary>Becomes the request's body; <paramref name="replay"/> records it, when the call may be sent more than once.</summary>
    public static CallerRequestBody Install(HttpContext context, ReplayBody? replay)
    {
        var body = new CallerRequestBody(context.Request.BodyReader, replay);
        context.Request.Body = body;
        return body;
    }

    /// <summary>
    /// Ends the reads: one waiting for the caller returns at once, and it and every later one throw
    /// <see cref="OperationCanceledException"/>.
    /// </summary>
    public void StopReading()
    {
        lock (_waitLock)
        {
            _stopped = true;
            if (_waiting)
            {
                _reader.CancelPendingRead();
            }
        }
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_stopped)
        {
            return ValueTask.FromException<int>(Stopped());
        }

        if (_reader.TryRead(out var result) && TryTake(result, buffer.Span, out var count))
        {
            return new ValueTask<int>(count);
        }

        // The caller has not sent the rest yet: a retry must not wait for a body still arriving.
        _replay?.ReadPending();
        return WaitAsync(buffer, cancellationToken);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // The server allows no synchronous reads of a request body either; nothing in the proxy makes one.
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("the caller's body is read asynchronously");

    public override void Flush()
    {
    }

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <summary>Read once per waiting read by the forwarder's copy, so its state machine comes from the runtime's pool.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> WaitAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (true)
        {
            lock (_waitLock)
            {
                if (_stopped)
                {
                    throw Stopped();
                }

                _waiting = true;
            }

            ReadResult result;
            try
            {
                result = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                ReadCut = true;
                throw;
            }
            finally
            {
                lock (_waitLock)
                {
                    _waiting = false;
                }
            }

            if (TryTake(result, buffer.Span, out var count))
            {
                if (buffer.IsEmpty)
                {
                    // A zero-byte read that had to wait ends the wait: the next read returns data (or END_STREAM) at once.
                    _replay?.DataArrived();
                }

                return count;
            }
        }
    }

    private static OperationCanceledException Stopped() => new("the read of the caller's body was stopped: the upstream is gone and no replay can follow");

    /// <summary>
    /// Takes what <paramref name="result"/> holds into <paramref name="destination"/>; false when it held nothing yet
    /// (a wake without data), so the read must wait again.
    /// </summary>
    private bool TryTake(in ReadResult result, Span<byte> destination, out int count)
    {
        var buffer = result.Buffer;
        if (result.IsCanceled)
        {
            _reader.AdvanceTo(buffer.Start);
            throw new OperationCanceledException("the read of the caller's body was cancelled");
        }

        if (destination.IsEmpty && !buffer.IsEmpty)
        {
            // The forwarder's copy waits for data with a zero-byte read before it rents a buffer: that 0 is no END_STREAM. Nothing is
            // consumed or examined, so the next read returns the same bytes at once.
            _reader.AdvanceTo(buffer.Start);
            count = 0;
            return true;
        }

        if (buffer.IsEmpty)
        {
            _reader.AdvanceTo(buffer.End);
            if (!result.IsCompleted)
            {
                count = 0;
                return false;
            }

            // The caller's END_STREAM: only an empty read into a non-empty buffer says so.
            if (!destination.IsEmpty)
            {
                _replay?.Record([]);
            }

            count = 0;
            return true;
        }

        count = (int)Math.Min(buffer.Length, destination.Length);
        var taken = buffer.Slice(0, count);
        taken.CopyTo(destination);
        _reader.AdvanceTo(taken.End);
        _replay?.Record(destination[..count]);
        return true;
    }
}
