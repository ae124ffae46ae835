using System.Buffers.Binary;
using System.Buffers;
using System.Net.Sockets;
using MeshProxy.IO;
using MeshProxy.Upstream.Hpack;

namespace MeshProxy.Upstream;

internal sealed partial class Http2Connection
{
    // Our SETTINGS_MAX_FRAME_SIZE is the default, so a frame never exceeds it; the buffer holds a few of them.
    private const int ReceiveBufferSize = 64 * 1024;

    // A header block split over CONTINUATION frames, gathered before it is decoded (rare: large trailers).
    private readonly ArrayBufferWriter<byte> _continued = new();
    private int _continuedStreamId;
    private bool _continuedEndStream;

    private async Task ReadLoopAsync()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ReceiveBufferSize);
        var start = 0;
        var end = 0;
        var readInOneGo = 0;
        try
        {
            while (true)
            {
                var receive = _socket.ReceiveAsync(buffer.AsMemory(end), SocketFlags.None);
                if (!receive.IsCompleted)
                {
                    // A read that has to wait ends a run: the loop resumes where the socket completes it.
                    readInOneGo = 0;
                }

                var received = await receive.ConfigureAwait(false);
                if (received == 0)
                {
                    throw new HttpIOException(HttpRequestError.ResponseEnded, "the upstream server closed the connection");
                }

                end += received;
                Volatile.Write(ref _lastReceived, Environment.TickCount64);
                start += ProcessFrames(buffer.AsSpan(start, end - start));
                if (start == end)
                {
                    start = end = 0;
                }
                else if (start > 0)
                {
                    buffer.AsSpan(start, end - start).CopyTo(buffer);
                    end -= start;
                    start = 0;
                }

                // The loop resumes on the event thread (EventThreadCompletions), and a read that finds data waiting
                // completes at once: a server sending without pause would hold the loop, and every other socket's
                // events, there. A buffer's worth read in one go moves it to the thread pool.
                if ((readInOneGo += received) >= ReceiveBufferSize && !Thread.CurrentThread.IsThreadPoolThread)
                {
                    readInOneGo = 0;
                    await Task.Yield();
                }
            }
        }
        catch (Http2ConnectionException ex)
        {
            SendGoAway(ex.ErrorCode);
            Abort(new HttpProtocolException(ex.ErrorCode, ex.Message, null));
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or IOException)
        {
            Abort(ex is HttpIOException ? ex : new HttpIOException(HttpRequestError.ResponseEnded, "the upstream connection failed", ex));
        }
        catch (Exception ex)
        {
            // A fault of our own must still end the calls on this connection rather than leave them waiting.
            SendGoAway(Http2Wire.InternalError);
            Abort(new HttpIOException(HttpRequestError.Unknown, "the upstream connection failed", ex));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Handles every whole frame in <paramref name="bytes"/>; returns the bytes consumed.</summary>
    private int ProcessFrames(ReadOnlySpan<byte> bytes)
    {
        var consumed = 0;
        while (bytes.Length - consumed >= Http2FrameHeader.Size)
        {
            var frame = bytes[consumed..];
            var header = Http2FrameHeader.Read(frame);
            if (header.Length > Http2Wire.DefaultMaxFrameSize)
            {
                throw new Http2ConnectionException(Http2Wire.FrameSizeError, $"the server sent a frame of {header.Length} bytes, over our SETTINGS_MAX_FRAME_SIZE");
            }

            if (frame.Length < Http2FrameHeader.Size + header.Length)
            {
                break;
            }

            ProcessFrame(header.Type, header.Flags, header.StreamId, frame.Slice(Http2FrameHeader.Size, header.Length));
            consumed += Http2FrameHeader.Size + header.Length;
        }

        Flush();
        return consumed;
    }

    private void ProcessFrame(byte type, byte flags, int streamId, ReadOnlySpan<byte> payload)
    {
        if (_continued.WrittenCount > 0 || _continuedStreamId != 0)
        {
            if (type != Http2FrameHeader.Continuation || streamId != _continuedStreamId)
            {
                throw new Http2ConnectionException(Http2Wire.ProtocolError, "the server interrupted a header block (RFC 9113 §6.10)");
            }

            OnContinuation(flags, payload);
            return;
        }

        switch (type)
        {
            case Http2FrameHeader.Data:
                OnData(flags, streamId, payload);
                break;
            case Http2FrameHeader.Headers:
                OnHeaders(flags, streamId, payload);
                break;
            case Http2FrameHeader.RstStream:
                OnRstStream(streamId, payload);
                break;
            case Http2FrameHeader.Settings:
                OnSettings(flags, streamId, payload);
                break;
            case Http2FrameHeader.PushPromise:
                throw new Http2ConnectionException(Http2Wire.ProtocolError, "the server sent PUSH_PROMISE, which our SETTINGS_ENABLE_PUSH of 0 forbids");
            case Http2FrameHeader.Ping:
                OnPing(flags, streamId, payload);
                break;
            case Http2FrameHeader.GoAway:
                OnGoAway(streamId, payload);
                break;
            case Http2FrameHeader.WindowUpdate:
                OnWindowUpdate(streamId, payload);
                break;
            case Http2FrameHeader.Continuation:
                throw new Http2ConnectionException(Http2Wire.ProtocolError, "the server sent CONTINUATION outside a header block");
            default:
                // PRIORITY and unknown frame types are ignored (RFC 9113 §5.5).
                break;
        }
    }

    private void OnData(byte flags, int streamId, ReadOnlySpan<byte> payload)
    {
        if (streamId == 0)
        {
            throw new Http2ConnectionException(Http2Wire.ProtocolError, "the server sent DATA on stream 0");
        }

        var flowControlled = payload.Length;
        var data = Unpad(flags, payload);
        Http2Stream? stream;
        lock (_lock)
        {
            // Connection credit comes back as it arrives: each stream's own window bounds what it buffers.
            _connectionUnacked += flowControlled;
            if (_connectionUnacked >= ConnectionReceiveWindow / 4)
            {
                AppendWindowUpdate(0, _connectionUnacked);
                _connectionUnacked = 0;
            }

            stream = StreamLocked(streamId);
        }

        if (stream is null)
        {
            return;
        }

        if (!stream.OnData(data, flowControlled, endStream: (flags & Http2FrameHeader.EndStream) != 0))
        {
            Reset(stream, Http2Wire.FlowControlError);
            stream.Fail(new HttpProtocolException(Http2Wire.FlowControlError, "the upstream server sent more than the stream's window", null));
            return;
        }

        if ((flags & Http2FrameHeader.EndStream) != 0)
        {
            OnRemoteEnded(stream);
        }
    }

    private void OnHeaders(byte flags, int streamId, ReadOnlySpan<byte> payload)
    {
        if (streamId == 0)
        {
            throw new Http2ConnectionException(Http2Wire.ProtocolError, "the server sent HEADERS on stream 0");
        }

        var block = Unpad(flags, payload);
        if ((flags & Http2FrameHeader.PriorityFlag) != 0)
        {
            if (block.Length < 5)
            {
                throw new Http2ConnectionException(Http2Wire.FrameSizeError, "the server sent a HEADERS frame too short for its priority fields");
            }

            block = block[5..];
        }

        var endStream = (flags & Http2FrameHeader.EndStream) != 0;
        if ((flags & Http2FrameHeader.EndHeaders) == 0)
        {
            _continuedStreamId = streamId;
            _continuedEndStream = endStream;
            _continued.ResetWrittenCount();
            _continued.Write(block);
            return;
        }

        DecodeHeaderBlock(streamId, block, endStream);
    }

    private void OnContinuation(byte flags, ReadOnlySpan<byte> payload)
    {
        if (_continued.WrittenCount + payload.Length > MaxHeaderListSize * 2)
        {
            throw new Http2ConnectionException(Http2Wire.ProtocolError, "the server sent a header block larger than our SETTINGS_MAX_HEADER_LIST_SIZE allows");
        }

        _continued.Write(payload);
        if ((flags & Http2FrameHeader.EndHeaders) != 0)
        {
            var streamId = _continuedStreamId;
            _continuedStreamId = 0;
            DecodeHeaderBlock(streamId, _continued.WrittenSpan, _continuedEndStream);
            _continued.ResetWrittenCount();
        }
    }

    private void DecodeHeaderBlock(int streamId, ReadOnlySpan<byte> block, bool endStream)
    {
        Http2Stream? stream;
        lock (_lock)
        {
            stream = StreamLocked(streamId);
        }

        // A block for a stream we already closed is still decoded: the dynamic table is the connection's.
        var sink = stream?.BeginHeaderBlock() ?? (IHeaderSink)DiscardingHeaderSink.Instance;
        try
        {
            _decoder.Decode(block, sink);
        }
        catch (HpackException ex) when (ex.IsHeaderListTooLarge)
        {
            // The block was decoded whole, so the table is still in step: only this stream fails (RFC 9113 §8.2.3).
            if (stream is null)
            {
                return;
            }

            Reset(stream, Http2Wire.ProtocolError);
            stream.Fail(new HttpProtocolException(Http2Wire.ProtocolError, $"the upstream response's headers exceed {MaxHeaderListSize} bytes", null));
            return;
        }
        catch (HpackException ex)
        {
            throw new Http2ConnectionException(Http2Wire.CompressionError, $"the server's header block could not be decoded: {ex.Message}");
        }

        if (stream is null)
        {
            return;
        }

        if (stream.EndHeaderBlock(endStream) is { } malformed)
        {
            Reset(stream, Http2Wire.ProtocolError);
            stream.Fail(new HttpProtocolException(Http2Wire.ProtocolError, malformed, null));
            return;
        }

        if (endStream)
        {
            OnRemoteEnded(stream);
        }
    }

    private void OnRemoteEnded(Http2Stream stream)
    {
        bool removed;
        lock (_lock)
        {
            stream.RemoteEnded = true;
            removed = stream.LocalEnded && RemoveLocked(stream);
        }

        if (removed)
        {
            _pool.OnSlotFreed();
        }
        else
        {
            stream.StopSendingBody();
        }
    }

    private void OnRstStream(int streamId, ReadOnlySpan<byte> payload)
    {
        if (payload.Length != 4 || streamId == 0)
        {
            throw new Http2ConnectionException(Http2Wire.FrameSizeError, "the server sent a malformed RST_STREAM");
        }

        var code = BinaryPrimitives.ReadInt32BigEndian(payload);
        Http2Stream? stream;
        lock (_lock)
        {
            stream = StreamLocked(streamId);
            if (stream is not null)
            {
                stream.LocalEnded = true;
                RemoveLocked(stream);
            }
        }

        if (stream is not null)
        {
            _pool.OnSlotFreed();
            stream.Fail(new HttpProtocolException(code, $"the upstream server reset the stream ({Http2Wire.ErrorName(code)})", null));
        }
    }

    private void OnSettings(byte flags, int streamId, ReadOnlySpan<byte> payload)
    {
        if (streamId != 0 || payload.Length % 6 != 0 || ((flags & Http2FrameHeader.Ack) != 0 && payload.Length != 0))
        {
            throw new Http2ConnectionException(Http2Wire.ProtocolError, "the server sent a malformed SETTINGS frame");
        }

        if ((flags & Http2FrameHeader.Ack) != 0)
        {
            return;
        }

        List<Http2Stream>? waiters = null;
        lock (_lock)
        {
            if (!_settingsReceived)
            {
                // A server that names no limit allows any number of streams (RFC 9113 §6.5.2).
                _maxConcurrentStreams = int.MaxValue;
                Volatile.Write(ref _settingsReceived, true);
            }

            for (var offset = 0; offset < payload.Length; offset += 6)
            {
                var id = BinaryPrimitives.ReadUInt16BigEndian(payload[offset..]);
                var value = BinaryPrimitives.ReadUInt32BigEndian(payload[(offset + 2)..]);
                switch (id)
                {
                    case Http2Wire.SettingsMaxConcurrentStreams:
                        _maxConcurrentStreams = (int)Math.Min(value, int.MaxValue);
                        break;
                    case Http2Wire.SettingsInitialWindowSize:
                        if (value > Http2Wire.MaxWindow)
                        {
                            throw new Http2ConnectionException(Http2Wire.FlowControlError, "the server's SETTINGS_INITIAL_WINDOW_SIZE is over 2^31-1");
                        }

                        // RFC 9113 §6.9.2: the change applies to every open stream's window, which may go negative.
                        var delta = (int)value - _peerInitialWindow;
                        _peerInitialWindow = (int)value;
                        foreach (var stream in _streams.Values)
                        {
                            stream.SendWindow += delta;
                        }

                        waiters = TakeWindowWaitersLocked();
                        break;
                    case Http2Wire.SettingsMaxFrameSize:
                        if (value is < Http2Wire.DefaultMaxFrameSize or > 16_777_215)
                        {
                            throw new Http2ConnectionException(Http2Wire.ProtocolError, $"the server's SETTINGS_MAX_FRAME_SIZE of {value} is out of range");
                        }

                        _peerMaxFrameSize = (int)value;
                        break;
                    case Http2Wire.SettingsHeaderTableSize:
                        // Under the lock that appends the ack below: the server applies the new size when the ack
                        // arrives, so the blocks appended after it must start with the size update (RFC 7541 §4.2).
                        _encoder.SetMaxTableSize(value);
                        break;
                    default:
                        // Unknown ids are ignored (RFC 9113 §6.5.2).
                        break;
                }
            }

            AppendFrame(Http2FrameHeader.Settings, Http2FrameHeader.Ack, 0, []);
        }

        WakeWindowWaiters(waiters);
        _pool.OnSlotFreed();
    }

    private void OnPing(byte flags, int streamId, ReadOnlySpan<byte> payload)
    {
        if (streamId != 0 || payload.Length != 8)
        {
            throw new Http2ConnectionException(Http2Wire.FrameSizeError, "the server sent a malformed PING");
        }

        lock (_lock)
        {
            if ((flags & Http2FrameHeader.Ack) == 0)
            {
                AppendFrame(Http2FrameHeader.Ping, Http2FrameHeader.Ack, 0, payload);
            }
            else
            {
                _pingSentAt = 0;
            }
        }
    }

    private void OnGoAway(int streamId, ReadOnlySpan<byte> payload)
    {
        if (streamId != 0 || payload.Length < 8)
        {
            throw new Http2ConnectionException(Http2Wire.FrameSizeError, "the server sent a malformed GOAWAY");
        }

        var lastStreamId = BinaryPrimitives.ReadInt32BigEndian(payload) & int.MaxValue;
        var code = BinaryPrimitives.ReadInt32BigEndian(payload[4..]);
        List<Http2Stream> refused = [];
        bool idle;
        lock (_lock)
        {
            _goAwayLastStreamId = Math.Min(_goAwayLastStreamId, lastStreamId);
            foreach (var stream in _streams.Values)
            {
                if (stream.Id > lastStreamId)
                {
                    refused.Add(stream);
                }
            }

            foreach (var stream in refused)
            {
                RemoveLocked(stream);
            }

            idle = _streams.Count == 0;
        }

        // Streams above the last id were never processed, so any caller may try them again (refused-stream).
        foreach (var stream in refused)
        {
            stream.Fail(new HttpProtocolException(Http2Wire.RefusedStream, $"the upstream server is going away ({Http2Wire.ErrorName(code)}) and did not process the stream", null));
        }

        _pool.OnConnectionClosed(this);
        if (idle)
        {
            Abort(new HttpRequestException(HttpRequestError.ConnectionError, "the upstream server closed the connection (GOAWAY)"));
        }
    }

    private void OnWindowUpdate(int streamId, ReadOnlySpan<byte> payload)
    {
        if (payload.Length != 4)
        {
            throw new Http2ConnectionException(Http2Wire.FrameSizeError, "the server sent a malformed WINDOW_UPDATE");
        }

        var increment = BinaryPrimitives.ReadInt32BigEndian(payload) & int.MaxValue;
        List<Http2Stream>? waiters = null;
        Http2Stream? broken = null;
        lock (_lock)
        {
            if (streamId == 0)
            {
                if (increment == 0 || _connectionSendWindow + increment > Http2Wire.MaxWindow)
                {
                    throw new Http2ConnectionException(increment == 0 ? Http2Wire.ProtocolError : Http2Wire.FlowControlError, "the server sent an invalid connection WINDOW_UPDATE");
                }

                _connectionSendWindow += increment;
                waiters = TakeWindowWaitersLocked();
            }
            else if (StreamLocked(streamId) is { } stream)
            {
                if (increment == 0 || (long)stream.SendWindow + increment > Http2Wire.MaxWindow)
                {
                    broken = stream;
                }
                else
                {
                    stream.SendWindow += increment;
                    waiters = TakeWindowWaitersLocked();
                }
            }
        }

        WakeWindowWaiters(waiters);
        if (broken is not null)
        {
            Reset(broken, Http2Wire.FlowControlError);
            broken.Fail(new HttpProtocolException(Http2Wire.FlowControlError, "the upstream server sent an invalid stream WINDOW_UPDATE", null));
        }
    }

    private Http2Stream? StreamLocked(int streamId) => _streams.GetValueOrDefault(streamId);

    /// <summary>Forgets a stream closed on both sides (or reset); true if it was still counted.</summary>
    private bool RemoveLocked(Http2Stream stream)
    {
        if (stream.Removed)
        {
            return false;
        }

        stream.Removed = true;
        _streams.Remove(stream.Id);
        _reserved--;
        LastActive = Environment.TickCount64;
        if (_streams.Count == 0 && _goAwayLastStreamId != int.MaxValue)
        {
            // A connection the server is closing has no more use once its last stream is done.
            _ = Task.Run(() => Abort(new HttpRequestException(HttpRequestError.ConnectionError, "the upstream server closed the connection (GOAWAY)")));
        }

        return true;
    }

    private List<Http2Stream>? TakeWindowWaitersLocked()
    {
        var waiters = _windowWaiters;
        _windowWaiters = null;
        return waiters;
    }

    private static void WakeWindowWaiters(List<Http2Stream>? waiters)
    {
        if (waiters is null)
        {
            return;
        }

        foreach (var stream in waiters)
        {
            stream.WakeWindowWait();
        }
    }

    private void SendGoAway(int errorCode)
    {
        // Best effort, since the socket closes right after: the GOAWAY goes out synchronously behind what is pending,
        // unless a send is in flight, whose bytes it must not interleave with.
        OutputBuffer pending;
        lock (_lock)
        {
            if (_failure is not null || _flushing)
            {
                return;
            }

            Span<byte> payload = stackalloc byte[8];
            BinaryPrimitives.WriteInt32BigEndian(payload, 0);
            BinaryPrimitives.WriteInt32BigEndian(payload[4..], errorCode);
            AppendFrame(Http2FrameHeader.GoAway, 0, 0, payload);
            _flushing = true;
            pending = _pending;
        }

        try
        {
            // Never waits for room: this may run on the socket's event thread (EventThreadCompletions), which alone
            // could make that room.
            _socket.Blocking = false;
            _socket.Send(pending.Written.Span, SocketFlags.None);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // The connection is being closed for its error anyway.
        }
    }

    private static ReadOnlySpan<byte> Unpad(byte flags, ReadOnlySpan<byte> payload)
    {
        if ((flags & Http2FrameHeader.Padded) == 0)
        {
            return payload;
        }

        if (payload.Length < 1 || payload[0] >= payload.Length)
        {
            throw new Http2ConnectionException(Http2Wire.ProtocolError, "the server sent padding longer than its frame");
        }

        return payload[1..^payload[0]];
    }
}
