using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Sockets;
using MeshProxy.Upstream.Hpack;

namespace MeshProxy.Upstream;

internal sealed partial class Http2Connection
{
    // Lower-case copies of the mixed-case names HttpHeaders knows ("Content-Type"), so a call does not allocate one.
    private static readonly ConcurrentDictionary<string, string> LowerCaseNames = new(StringComparer.Ordinal);
    private const int LowerCaseNamesLimit = 512;

    private readonly ArrayBufferWriter<byte> _headerBlock = new(512);

    /// <summary>Opens <paramref name="stream"/> on a reserved slot: HEADERS with the request's header block.</summary>
    /// <exception cref="HttpRequestException">The connection failed or is going away; the slot is given back.</exception>
    public void Open(Http2Stream stream, HttpRequestMessage request, bool endStream)
    {
        bool flush;
        lock (_lock)
        {
            if (_failure is not null || _goAwayLastStreamId != int.MaxValue)
            {
                _reserved--;
                throw new HttpRequestException(HttpRequestError.ConnectionError, "the upstream connection closed before the call could start", _failure);
            }

            var id = _nextStreamId;
            _nextStreamId += 2;
            stream.Id = id;
            stream.SendWindow = _peerInitialWindow;
            _streams.Add(id, stream);

            _headerBlock.ResetWrittenCount();
            EncodeRequestHeaders(request, _pool.Authority, _headerBlock);
            AppendHeaderBlock(id, _headerBlock.WrittenSpan, endStream);
            if (endStream)
            {
                stream.LocalEnded = true;
            }

            flush = ScheduleFlushLocked();
        }

        QueueFlush(flush);
    }

    /// <summary>
    /// Appends as much of <paramref name="data"/> as both send windows allow, in frames of the server's size.
    /// </summary>
    /// <returns>The bytes taken; 0 means the stream is armed to be woken by a window update and tries again then.</returns>
    public int AppendData(Http2Stream stream, ReadOnlySpan<byte> data)
    {
        bool flush;
        int taken;
        lock (_lock)
        {
            if (_failure is not null)
            {
                throw new IOException("the upstream connection failed", _failure);
            }

            stream.ThrowIfSendClosed();
            taken = (int)Math.Min(data.Length, Math.Min(stream.SendWindow, _connectionSendWindow));
            if (taken <= 0)
            {
                stream.ArmWindowWait();
                (_windowWaiters ??= []).Add(stream);
                return 0;
            }

            stream.SendWindow -= taken;
            _connectionSendWindow -= taken;
            for (var offset = 0; offset < taken; offset += _peerMaxFrameSize)
            {
                AppendFrame(Http2Wire.Data, 0, stream.Id, data.Slice(offset, Math.Min(_peerMaxFrameSize, taken - offset)));
            }

            flush = ScheduleFlushLocked();
        }

        QueueFlush(flush);
        return taken;
    }

    /// <summary>Ends the request side: an empty DATA frame with END_STREAM.</summary>
    public void EndRequest(Http2Stream stream)
    {
        bool flush;
        var removed = false;
        lock (_lock)
        {
            if (stream.LocalEnded || stream.Removed)
            {
                return;
            }

            stream.LocalEnded = true;
            AppendFrame(Http2Wire.Data, Http2Wire.EndStream, stream.Id, []);
            if (stream.RemoteEnded)
            {
                removed = RemoveLocked(stream);
            }

            flush = ScheduleFlushLocked();
        }

        QueueFlush(flush);
        if (removed)
        {
            _pool.OnSlotFreed();
        }
    }

    /// <summary>Resets a stream that is still open on either side (RST_STREAM) and frees its slot.</summary>
    public void Reset(Http2Stream stream, int errorCode)
    {
        bool flush;
        lock (_lock)
        {
            if (stream.Removed)
            {
                return;
            }

            Span<byte> payload = stackalloc byte[4];
            BinaryPrimitives.WriteInt32BigEndian(payload, errorCode);
            AppendFrame(Http2Wire.RstStream, 0, stream.Id, payload);
            stream.LocalEnded = true;
            RemoveLocked(stream);
            flush = ScheduleFlushLocked();
        }

        QueueFlush(flush);
        _pool.OnSlotFreed();
    }

    /// <summary>Returns receive credit for what the proxy read from a stream (WINDOW_UPDATE).</summary>
    public void ReturnStreamCredit(Http2Stream stream, int bytes)
    {
        bool flush;
        lock (_lock)
        {
            if (stream.Removed || stream.RemoteEnded)
            {
                return;
            }

            AppendWindowUpdate(stream.Id, bytes);
            flush = ScheduleFlushLocked();
        }

        QueueFlush(flush);
    }

    private void WritePreface()
    {
        lock (_lock)
        {
            _pending.Write(Http2Wire.Preface);
            Span<byte> settings = stackalloc byte[18];
            WriteSetting(settings, Http2Wire.SettingsEnablePush, 0);
            WriteSetting(settings[6..], Http2Wire.SettingsInitialWindowSize, StreamReceiveWindow);
            WriteSetting(settings[12..], Http2Wire.SettingsMaxHeaderListSize, MaxHeaderListSize);
            AppendFrame(Http2Wire.Settings, 0, 0, settings);
            AppendWindowUpdate(0, ConnectionReceiveWindow - Http2Wire.DefaultWindow);
        }

        static void WriteSetting(Span<byte> destination, ushort id, int value)
        {
            BinaryPrimitives.WriteUInt16BigEndian(destination, id);
            BinaryPrimitives.WriteInt32BigEndian(destination[2..], value);
        }
    }

    private void AppendFrame(byte type, byte flags, int streamId, ReadOnlySpan<byte> payload)
    {
        var span = _pending.GetSpan(Http2Wire.FrameHeaderLength + payload.Length);
        Http2Wire.WriteFrameHeader(span, payload.Length, type, flags, streamId);
        payload.CopyTo(span[Http2Wire.FrameHeaderLength..]);
        _pending.Advance(Http2Wire.FrameHeaderLength + payload.Length);
    }

    private void AppendWindowUpdate(int streamId, int increment)
    {
        Span<byte> payload = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(payload, increment);
        AppendFrame(Http2Wire.WindowUpdate, 0, streamId, payload);
    }

    private void AppendHeaderBlock(int streamId, ReadOnlySpan<byte> block, bool endStream)
    {
        var first = Math.Min(block.Length, _peerMaxFrameSize);
        var flags = (byte)((endStream ? Http2Wire.EndStream : 0) | (first == block.Length ? Http2Wire.EndHeaders : 0));
        AppendFrame(Http2Wire.Headers, flags, streamId, block[..first]);
        for (var offset = first; offset < block.Length; offset += _peerMaxFrameSize)
        {
            var length = Math.Min(_peerMaxFrameSize, block.Length - offset);
            AppendFrame(Http2Wire.Continuation, offset + length == block.Length ? Http2Wire.EndHeaders : (byte)0, streamId, block.Slice(offset, length));
        }
    }

    private static void EncodeRequestHeaders(HttpRequestMessage request, string authority, IBufferWriter<byte> destination)
    {
        var uri = request.RequestUri!;
        HpackEncoder.EncodeHeader(":method", request.Method.Method, destination);
        HpackEncoder.EncodeHeader(":scheme", "http", destination);
        HpackEncoder.EncodeHeader(":authority", request.Headers.Host ?? authority, destination);
        HpackEncoder.EncodeHeader(":path", uri.PathAndQuery, destination);
        EncodeFields(request.Headers.NonValidated, destination);
        if (request.Content is { } content)
        {
            EncodeFields(content.Headers.NonValidated, destination);
        }
    }

    private static void EncodeFields(HttpHeadersNonValidated headers, IBufferWriter<byte> destination)
    {
        foreach (var (rawName, values) in headers)
        {
            var name = LowerCase(rawName);
            if (IsConnectionSpecific(name))
            {
                continue;
            }

            foreach (var value in values)
            {
                if (name == "te" && !value.Equals("trailers", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                HpackEncoder.EncodeHeader(name, value, destination);
            }
        }
    }

    // RFC 9113 §8.2.2: connection-specific fields must not appear in HTTP/2; Host travels as :authority.
    private static bool IsConnectionSpecific(string name) => name is "connection" or "keep-alive" or "proxy-connection"
        or "transfer-encoding" or "upgrade" or "host";

    private static string LowerCase(string name)
    {
        if (!name.AsSpan().ContainsAnyInRange('A', 'Z'))
        {
            return name;
        }

        if (LowerCaseNames.TryGetValue(name, out var lower))
        {
            return lower;
        }

        lower = name.ToLowerInvariant();
        if (LowerCaseNames.Count < LowerCaseNamesLimit)
        {
            LowerCaseNames.TryAdd(name, lower);
        }

        return lower;
    }

    private bool ScheduleFlushLocked()
    {
        if (_flushScheduled)
        {
            return false;
        }

        _flushScheduled = true;
        return true;
    }

    private void ScheduleFlush()
    {
        bool flush;
        lock (_lock)
        {
            flush = ScheduleFlushLocked();
        }

        QueueFlush(flush);
    }

    // The flush runs after the work item that asked for it, so whatever that work item appends next shares its write.
    private void QueueFlush(bool flush)
    {
        if (flush)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: true);
        }
    }

    void IThreadPoolWorkItem.Execute() => _ = FlushAsync();

    private async Task FlushAsync()
    {
        try
        {
            while (true)
            {
                lock (_lock)
                {
                    // The flag stays set while this loop runs, so appends made during a send wait for the next turn.
                    if (_pending.Length == 0 || _failure is not null)
                    {
                        _flushScheduled = false;
                        return;
                    }

                    (_pending, _sending) = (_sending, _pending);
                }

                var written = _sending.Written;
                while (!written.IsEmpty)
                {
                    var sent = await _socket.SendAsync(written, SocketFlags.None).ConfigureAwait(false);
                    written = written[sent..];
                }

                _sending.Clear();
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            Abort(new HttpRequestException(HttpRequestError.ConnectionError, "the upstream connection failed while sending", ex));
        }
    }
}
