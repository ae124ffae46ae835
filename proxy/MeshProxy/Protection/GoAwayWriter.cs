using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Text;
using MeshProxy.IO;

namespace MeshProxy.Protection;

/// <summary>
/// The connection's output as Kestrel sees it: a thin delegating <see cref="PipeWriter"/> that lets the flood guard
/// put one GOAWAY frame on a wire Kestrel owns.
/// <para>
/// Why this shape: Kestrel's HTTP/2 frame writer is the only writer of the transport output and serialises its own
/// frames (one lock, and a ConcurrentPipeWriter that never calls the transport while a flush of it is pending), but it
/// knows nothing of us; writing into the transport from the guard directly could land in the middle of one of its
/// frames, or race one of its GetMemory/Advance pairs (a PipeWriter allows one writer). So the guard never writes
/// beside Kestrel: it asks this writer, which decides under one small lock who owns the transport output.
/// When Kestrel is between writes (nothing advanced since its last flush, no flush in flight), the guard takes it
/// and writes the GOAWAY itself; when Kestrel is writing, the GOAWAY is queued and written by Kestrel's own next
/// FlushAsync, appended after Kestrel's bytes, which that flush ends on a frame boundary: the writer follows the
/// outbound frame headers (<see cref="Http2FrameCursor"/>) to know it, and waits for a later flush if not.
/// Either way, once the GOAWAY is on its way the output becomes a sink: the connection is being closed, so whatever
/// Kestrel writes after it (its own GOAWAY, ACKs, replies) is dropped rather than interleaved.
/// </para>
/// The cost on the normal path is one uncontended lock at the first GetMemory after a flush and one per flush, and the
/// frame-header walk over the bytes Kestrel advances (it allocates nothing).
/// </summary>
internal sealed class GoAwayWriter(PipeWriter inner, Http2FloodDetector detector) : PipeWriter
{
    private readonly Lock _sync = new();
    private Http2FrameCursor _frames;
    private Memory<byte> _lent;
    private bool _kestrelWriting;
    private bool _sink;
    private bool _lentScratch;
    private byte[]? _scratch;
    private PendingGoAway? _pending;

    /// <summary>
    /// Writes GOAWAY(<paramref name="lastStreamId"/>, ENHANCE_YOUR_CALM, <paramref name="debug"/>) at the next frame
    /// boundary and completes once it has been flushed (at once, if Kestrel is not writing).
    /// </summary>
    public Task SendGoAwayAsync(int lastStreamId, string debug)
    {
        var goAway = new PendingGoAway(lastStreamId, debug);
        lock (_sync)
        {
            if (_sink)
            {
                return Task.CompletedTask;
            }

            if (_kestrelWriting || !_frames.AtFrameStart)
            {
                _pending = goAway;
                return goAway.Flushed.Task;
            }

            _sink = true;
        }

        return WriteAndFlushAsync(goAway);
    }

    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        // Only Kestrel sets and clears _kestrelWriting (its writes are serialised), and nothing turns the output into a
        // sink while it is set but Kestrel's own FlushAsync, which clears it after. So once Kestrel has begun writing,
        // its further buffers until that flush need no lock: it asks for several per response.
        if (!_kestrelWriting)
        {
            lock (_sync)
            {
                if (_sink)
                {
                    _lentScratch = true;
                    return Scratch(sizeHint);
                }

                _kestrelWriting = true;
            }
        }

        _lentScratch = false;
        return _lent = inner.GetMemory(sizeHint);
    }

    public override Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

    public override void Advance(int bytes)
    {
        if (_lentScratch)
        {
            return;
        }

        ReadOnlySpan<byte> written = _lent.Span[..bytes];
        while (_frames.TryNext(ref written, out var header))
        {
            detector.OnFrameSent(header);
        }

        inner.Advance(bytes);
    }

    public override async ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        PendingGoAway? appended = null;
        lock (_sync)
        {
            if (!_kestrelWriting)
            {
                // Nothing of Kestrel's is buffered: either it has nothing to flush, or its bytes went to the sink.
                return new FlushResult(isCanceled: false, isCompleted: false);
            }

            if (_pending is { } goAway && _frames.AtFrameStart)
            {
                _pending = null;
                _sink = true;
                WriteGoAway(goAway);
                appended = goAway;
            }
        }

        try
        {
            return await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_sync)
            {
                _kestrelWriting = false;
            }

            appended?.Flushed.TrySetResult();
        }
    }

    public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

    public override long UnflushedBytes => inner.UnflushedBytes;

    public override void CancelPendingFlush() => inner.CancelPendingFlush();

    public override void Complete(Exception? exception = null)
    {
        lock (_sync)
        {
            // A GOAWAY still waiting for a frame boundary will not get one now.
            _pending?.Flushed.TrySetResult();
            _pending = null;
        }

        inner.Complete(exception);
    }

    public override ValueTask CompleteAsync(Exception? exception = null)
    {
        Complete(exception);
        return ValueTask.CompletedTask;
    }

    private async Task WriteAndFlushAsync(PendingGoAway goAway)
    {
        WriteGoAway(goAway);
        await inner.FlushAsync().ConfigureAwait(false);
    }

    /// <summary>GOAWAY (RFC 9113 §6.8): last stream id, error code, opaque debug data; on stream 0.</summary>
    private void WriteGoAway(PendingGoAway goAway)
    {
        var debugLength = Encoding.ASCII.GetByteCount(goAway.Debug);
        var payload = 8 + debugLength;
        var frame = inner.GetSpan(Http2FrameHeader.Size + payload);
        frame[0] = (byte)(payload >> 16);
        frame[1] = (byte)(payload >> 8);
        frame[2] = (byte)payload;
        frame[3] = Http2FrameHeader.GoAway;
        frame[4] = 0;
        BinaryPrimitives.WriteInt32BigEndian(frame[5..], 0);
        BinaryPrimitives.WriteInt32BigEndian(frame[9..], goAway.LastStreamId & int.MaxValue);
        BinaryPrimitives.WriteInt32BigEndian(frame[13..], Http2FrameHeader.EnhanceYourCalm);
        Encoding.ASCII.GetBytes(goAway.Debug, frame[17..]);
        inner.Advance(Http2FrameHeader.Size + payload);
    }

    private Memory<byte> Scratch(int sizeHint)
    {
        if (_scratch is null || _scratch.Length < sizeHint)
        {
            _scratch = new byte[Math.Max(sizeHint, 4096)];
        }

        return _scratch;
    }

    private sealed class PendingGoAway(int lastStreamId, string debug)
    {
        public int LastStreamId { get; } = lastStreamId;

        public string Debug { get; } = debug;

        public TaskCompletionSource Flushed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
