using MeshProxy.IO;

namespace MeshProxy.Protection;

/// <summary>
/// Counts, per HTTP/2 connection, the frames a flood is made of, from the frame headers of the client's byte stream,
/// and says when a budget of <see cref="ProtectionOptions"/> is passed (docs/reliability.md has the defaults and where
/// they come from). Kestrel already bounds what such frames cost in memory; this bounds what they cost in CPU.
/// <list type="bullet">
/// <item>RST_STREAM, PING and SETTINGS (both without ACK) over a sliding window (two fixed buckets, the older one
/// weighted by how much of it still overlaps the window); RST_STREAM trips only when more than half of the streams
/// opened in the window were reset too, as Envoy's premature-reset check, so a client that cancels some of its calls is
/// never cut.</item>
/// <item>PRIORITY and WINDOW_UPDATE over the connection's life, in proportion to the streams opened and to the DATA
/// frames the server sent, as Envoy's <c>max_inbound_priority_frames_per_stream</c> and
/// <c>max_inbound_window_update_frames_per_data_frame_sent</c>.</item>
/// <item>Consecutive frames with an empty payload and no END_STREAM (DATA, HEADERS, CONTINUATION), as Envoy's
/// <c>max_consecutive_inbound_frames_with_empty_payload</c>; CONTINUATION frames per header block, as nghttp2.</item>
/// </list>
/// Scanning allocates nothing; the clock is read only for the windowed kinds.
/// </summary>
internal sealed class Http2FloodDetector(ProtectionOptions options, TimeProvider time)
{
    private readonly long _window = Math.Max(1, (long)(options.Http2FloodWindow.TotalSeconds * time.TimestampFrequency));
    private Http2FrameCursor _cursor = Http2FrameCursor.AfterClientPreface();
    private long _windowStart = time.GetTimestamp();
    private long _now;
    private WindowCounts _current;
    private WindowCounts _previous;
    private long _streamsOpened;
    private long _priorityFrames;
    private long _windowUpdates;
    private int _dataFramesSent;
    private int _consecutiveEmpty;
    private int _continuations;

    /// <summary>The budget that was passed; <see cref="Http2FloodFrame.None"/> until then.</summary>
    public Http2FloodFrame Tripped { get; private set; }

    /// <summary>How many frames of the tripped kind were counted against its budget when it tripped.</summary>
    public long TrippedCount { get; private set; }

    /// <summary>The highest stream id of a client HEADERS frame before the trip: the GOAWAY's last stream id.</summary>
    public int LastStreamId { get; private set; }

    /// <summary>Called by the connection's writer for each frame the server sends (only DATA is counted).</summary>
    public void OnFrameSent(in Http2FrameHeader header)
    {
        if (header.Type == Http2FrameHeader.Data)
        {
            Volatile.Write(ref _dataFramesSent, _dataFramesSent + 1);
        }
    }

    /// <summary>
    /// Follows the next piece of the client's stream. Returns -1, or, once a budget is passed, the offset in
    /// <paramref name="bytes"/> where the frame that passed it starts (0 when its header began in an earlier piece):
    /// the bytes before it may still be handed to Kestrel, the rest never are. Nothing is scanned after a trip.
    /// </summary>
    public int Scan(ReadOnlySpan<byte> bytes)
    {
        if (Tripped != Http2FloodFrame.None)
        {
            return 0;
        }

        var length = bytes.Length;
        while (_cursor.TryNext(ref bytes, out var header))
        {
            if (Count(header) is not Http2FloodFrame.None and var tripped)
            {
                Tripped = tripped;
                return Math.Max(0, length - bytes.Length - Http2FrameHeader.Size);
            }
        }

        return -1;
    }

    private Http2FloodFrame Count(in Http2FrameHeader header)
    {
        switch (header.Type)
        {
            case Http2FrameHeader.Data:
                return CountEmpty(header.Length == 0 && !header.Has(Http2FrameHeader.EndStream));
            case Http2FrameHeader.Headers:
                if (CountEmpty(header.Length == 0 && !header.Has(Http2FrameHeader.EndStream)) is not Http2FloodFrame.None and var empty)
                {
                    return empty;
                }

                _continuations = 0;
                _streamsOpened++;
                Roll().Opened++;
                LastStreamId = Math.Max(LastStreamId, header.StreamId);
                return Http2FloodFrame.None;
            case Http2FrameHeader.Continuation:
                if (++_continuations > options.Http2MaxContinuationFrames)
                {
                    return Trip(Http2FloodFrame.Continuation, _continuations);
                }

                return CountEmpty(header.Length == 0);
            case Http2FrameHeader.Priority:
                return ++_priorityFrames > options.Http2MaxPriorityFramesPerStream * (1 + _streamsOpened)
                    ? Trip(Http2FloodFrame.Priority, _priorityFrames)
                    : Http2FloodFrame.None;
            case Http2FrameHeader.WindowUpdate:
                // Envoy's bound: a client acknowledges what it receives, so its WINDOW_UPDATEs follow our DATA frames.
                return ++_windowUpdates > 5 + (2 * (_streamsOpened + ((long)options.Http2MaxWindowUpdatesPerDataFrame * Volatile.Read(ref _dataFramesSent))))
                    ? Trip(Http2FloodFrame.WindowUpdate, _windowUpdates)
                    : Http2FloodFrame.None;
            case Http2FrameHeader.RstStream:
            {
                ref var counts = ref Roll();
                counts.Resets++;
                var resets = Estimate(_current.Resets, _previous.Resets);
                return resets > options.Http2MaxResetStreams && resets * 2 > Estimate(_current.Opened, _previous.Opened)
                    ? Trip(Http2FloodFrame.RstStream, resets)
                    : Http2FloodFrame.None;
            }

            case Http2FrameHeader.Ping when !header.Has(Http2FrameHeader.Ack):
            {
                Roll().Pings++;
                var pings = Estimate(_current.Pings, _previous.Pings);
                return pings > options.Http2MaxPings ? Trip(Http2FloodFrame.Ping, pings) : Http2FloodFrame.None;
            }

            case Http2FrameHeader.Settings when !header.Has(Http2FrameHeader.Ack):
            {
                Roll().Settings++;
                var settings = Estimate(_current.Settings, _previous.Settings);
                return settings > options.Http2MaxSettings ? Trip(Http2FloodFrame.Settings, settings) : Http2FloodFrame.None;
            }

            default:
                return Http2FloodFrame.None;
        }
    }

    private Http2FloodFrame CountEmpty(bool empty)
    {
        if (!empty)
        {
            _consecutiveEmpty = 0;
            return Http2FloodFrame.None;
        }

        return ++_consecutiveEmpty > options.Http2MaxConsecutiveEmptyFrames
            ? Trip(Http2FloodFrame.EmptyFrames, _consecutiveEmpty)
            : Http2FloodFrame.None;
    }

    private Http2FloodFrame Trip(Http2FloodFrame frame, long count)
    {
        TrippedCount = count;
        return frame;
    }

    /// <summary>Moves the buckets on when the current one is older than the window; returns the current one.</summary>
    private ref WindowCounts Roll()
    {
        var now = _now = time.GetTimestamp();
        var elapsed = now - _windowStart;
        if (elapsed >= _window)
        {
            _previous = elapsed < 2 * _window ? _current : default;
            _current = default;
            _windowStart = elapsed < 2 * _window ? _windowStart + _window : now;
        }

        return ref _current;
    }

    /// <summary>The count over the last window: the current bucket plus the part of the previous one it still overlaps.</summary>
    private long Estimate(int current, int previous)
    {
        var overlap = Math.Max(0, _window - (_now - _windowStart));
        return current + (previous * overlap / _window);
    }

    private struct WindowCounts
    {
        public int Opened;
        public int Resets;
        public int Pings;
        public int Settings;
    }
}
