using System.Buffers;

namespace MeshProxy.TrafficPolicy.Retries;

/// <summary>
/// The caller's request body as read so far, kept in a pooled buffer so a retry can replay it byte for byte.
/// </summary>
/// <remarks>
/// <para>
/// One reader of the caller exists: the forwarder's request content, pumped by the first attempt that sends a body
/// (<see cref="LiveBodyContent"/>). It reads through <see cref="CallerRequestBody"/>, which records every byte
/// here, and writes through <see cref="DetachableUpstreamStream"/>, which keeps the pump reading the caller when the
/// upstream stops taking bytes (it answered early, or failed), so the body can still be completed for a replay.
/// </para>
/// <para>
/// A retry replays only a whole body (<see cref="ReplayState.Complete"/>: the caller's END_STREAM was read and every
/// byte fits the limit) or sends a body nobody has started reading yet (<see cref="ReplayState.NotStarted"/>). A
/// body still arriving from the caller when an attempt fails is not waited for: a duplex caller may be waiting for
/// a reply before it sends more, so the failure is forwarded instead (<see cref="ReplayState.Incomplete"/>). One
/// byte over the limit releases the buffer at once and the call is never retried (<see cref="ReplayState.TooLarge"/>).
/// </para>
/// <para>
/// The buffer is rented on the first byte and returned when the call commits (<see cref="Commit"/>), the limit is
/// passed, or the call ends, and never while a replay still copies from it (a lease count).
/// </para>
/// </remarks>
internal sealed class ReplayBody : IDisposable
{
    private const int InitialBufferSize = 4096;

    private readonly Lock _lock = new();
    private readonly int _limit;
    private byte[]? _buffer;
    private int _length;
    private int _leases = 1;
    private bool _overflow;
    private bool _committed;
    private bool _endOfStream;
    private bool _readPending;
    private bool _pumpStarted;
    private bool _pumpEnded;
    private bool _upstreamGone;
    private CallerRequestBody? _pumpReads;
    private TaskCompletionSource? _changed;

    public ReplayBody(int limit) => _limit = limit;

    /// <summary>Bytes recorded so far (diagnostics and tests).</summary>
    public int Length
    {
        get
        {
            lock (_lock)
            {
                return _length;
            }
        }
    }

    /// <summary>True once the pool buffer went back (diagnostics and tests).</summary>
    public bool Released
    {
        get
        {
            lock (_lock)
            {
                return _buffer is null;
            }
        }
    }

    /// <summary>True when the body can no longer be replayed, so an upstream failure must reach the pump.</summary>
    public bool CannotReplay
    {
        get
        {
            lock (_lock)
            {
                return _overflow || _committed;
            }
        }
    }

    /// <summary>
    /// Claims the caller's body for one pump; false when an earlier attempt started it already. The pump reads the
    /// caller through <paramref name="reads"/>, stopped once the upstream is gone and no replay can follow
    /// (<see cref="UpstreamGone"/>, <see cref="Commit"/>).
    /// </summary>
    public bool TryStartPump(CallerRequestBody? reads)
    {
        lock (_lock)
        {
            if (_pumpStarted)
            {
                return false;
            }

            _pumpStarted = true;
            _pumpReads = reads;
            return true;
        }
    }

    /// <summary>
    /// The upstream stopped taking the body (its send was cancelled, or a write failed). Once no replay can follow
    /// either, the pump is stopped: reading the caller on would only drain it for nothing, and a duplex caller waiting
    /// for a reply would keep the call open forever.
    /// </summary>
    public void UpstreamGone()
    {
        CallerRequestBody? stop;
        lock (_lock)
        {
            _upstreamGone = true;
            stop = _overflow || _committed ? _pumpReads : null;
        }

        stop?.StopReading();
    }

    public void PumpEnded()
    {
        lock (_lock)
        {
            _pumpEnded = true;
            SignalLocked();
        }
    }

    /// <summary>A read from the caller did not complete at once: the caller has not sent the rest yet.</summary>
    public void ReadPending()
    {
        lock (_lock)
        {
            _readPending = true;
            SignalLocked();
        }
    }

    /// <summary>A read that waited for the caller (a zero-byte read) is over: the caller has sent more, or ended.</summary>
    public void DataArrived()
    {
        lock (_lock)
        {
            _readPending = false;
        }
    }

    /// <summary>Records the bytes one read into a non-empty buffer returned; an empty read is the caller's END_STREAM.</summary>
    /// <remarks>
    /// Over the limit, the pump needs no stop here: the bytes just read are written next, and a detached upstream
    /// stream ends the copy then (<see cref="DetachableUpstreamStream"/>).
    /// </remarks>
    public void Record(ReadOnlySpan<byte> data)
    {
        lock (_lock)
        {
            _readPending = false;
            if (data.IsEmpty)
            {
                _endOfStream = true;
                SignalLocked();
                return;
            }

            if (_overflow || _committed)
            {
                return;
            }

            var needed = _length + data.Length;
            if (needed > _limit)
            {
                // One byte over: this call is forwarded once and never retried; the memory goes back now.
                _overflow = true;
                ReleaseBufferLocked();
                SignalLocked();
                return;
            }

            if (_buffer is null || _buffer.Length < needed)
            {
                var next = ArrayPool<byte>.Shared.Rent(Math.Min(_limit, Math.Max(needed, Math.Max(InitialBufferSize, (_buffer?.Length ?? 0) * 2))));
                if (_buffer is not null)
                {
                    _buffer.AsSpan(0, _length).CopyTo(next);
                    ArrayPool<byte>.Shared.Return(_buffer);
                }

                _buffer = next;
            }

            data.CopyTo(_buffer.AsSpan(_length));
            _length = needed;
        }
    }

    /// <summary>
    /// Waits until it is known whether the body can be replayed: never started, complete, too large, or incomplete
    /// (the caller is still sending, or the pump stopped before END_STREAM).
    /// </summary>
    public async ValueTask<ReplayState> SettleAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                if (SettledLocked() is { } state)
                {
                    return state;
                }

                _changed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                changed = _changed.Task;
            }

            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>What <see cref="SettleAsync"/> would say now without waiting; null while the pump is mid-read (a hedge then waits).</summary>
    public ReplayState? Settled
    {
        get
        {
            lock (_lock)
            {
                return SettledLocked();
            }
        }
    }

    /// <summary>The whole body, leased until the returned lease is disposed; null when it was released.</summary>
    public ReplayLease? Lease()
    {
        lock (_lock)
        {
            if (_overflow || _committed || !_endOfStream)
            {
                return null;
            }

            _leases++;
            return new ReplayLease(this, _buffer, _length);
        }
    }

    /// <summary>No more retries: stop recording and give the buffer back as soon as no replay reads it.</summary>
    public void Commit()
    {
        CallerRequestBody? stop;
        lock (_lock)
        {
            if (_committed)
            {
                return;
            }

            _committed = true;
            ReleaseLeaseLocked();
            stop = _upstreamGone ? _pumpReads : null;
        }

        // Outside the lock: stopping wakes the pump's read, which records here.
        stop?.StopReading();
    }

    public void Dispose() => Commit();

    internal void ReturnLease()
    {
        lock (_lock)
        {
            ReleaseLeaseLocked();
        }
    }

    private void ReleaseLeaseLocked()
    {
        if (--_leases == 0)
        {
            ReleaseBufferLocked();
        }
    }

    private void ReleaseBufferLocked()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }
    }

    private ReplayState? SettledLocked()
    {
        if (!_pumpStarted)
        {
            return ReplayState.NotStarted;
        }

        if (_overflow)
        {
            return ReplayState.TooLarge;
        }

        if (_endOfStream && _pumpEnded)
        {
            return ReplayState.Complete;
        }

        return _pumpEnded || (_readPending && !_endOfStream) ? ReplayState.Incomplete : null;
    }

    private void SignalLocked()
    {
        _changed?.TrySetResult();
        _changed = null;
    }
}
