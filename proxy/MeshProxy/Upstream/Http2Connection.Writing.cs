using System.Buffers.Binary;
using System.Buffers;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using MeshProxy.IO;
using MeshProxy.Upstream.Hpack;

namespace MeshProxy.Upstream;

internal sealed partial class Http2Connection
{
    private const string TraceParent = "traceparent";
    private const string TraceState = "tracestate";

    private readonly ArrayBufferWriter<byte> _headerBlock = new(512);
    private readonly HpackEncoder _encoder = new();

    /// <summary>Opens <paramref name="stream"/> on a reserved slot: HEADERS with the request's header block, sent by the caller's next <see cref="Flush"/>.</summary>
    /// <exception cref="HttpRequestException">The connection failed or is going away; the slot is given back.</exception>
    public void Open(Http2Stream stream, HttpRequestMessage request, CallerHeaders? caller, bool endStream)
    {
        lock (_lock)
        {
            if (_failure is not null || _goAwayLastStreamId != int.MaxValue)
            {
                _reserved--;
                throw new HttpRequestException(HttpRequestError.ConnectionError, "the upstream connection closed before the call could start", _failure);
            }

            // The encoder's dynamic table must match the server's decoder, which reads blocks in the order they arrive
            // (RFC 7541 §2.3.2): so a block is encoded and appended in one go under the lock, in stream id order, and
            // nothing else may encode between the two.
            _headerBlock.ResetWrittenCount();
            try
            {
                _encoder.BeginBlock(_headerBlock);
                EncodeRequestHeaders(request, caller, _pool.Authority, _encoder, _headerBlock);
                _encoder.EndBlock();
            }
            catch (ArgumentException ex)
            {
                // A value HPACK cannot carry (a character above U+00FF added without validation): this call only. The
                // block is dropped unended, so the encoder resets both tables with the next block (HpackEncoder.BeginBlock).
                _reserved--;
                throw new HttpRequestException(HttpRequestError.Unknown, $"the request's headers cannot be sent upstream: {ex.Message}", ex);
            }

            var id = _nextStreamId;
            _nextStreamId += 2;
            stream.Id = id;
            stream.SendWindow = _peerInitialWindow;
            _streams.Add(id, stream);
            AppendHeaderBlock(id, _headerBlock.WrittenSpan, endStream);
            if (endStream)
            {
                stream.LocalEnded = true;
            }
        }
    }

    /// <summary>
    /// Appends as much of <paramref name="data"/> as both send windows allow, in frames of the server's size.
    /// </summary>
    /// <returns>The bytes taken; 0 means the stream is armed to be woken by a window update and tries again then.</returns>
    public int AppendData(Http2Stream stream, ReadOnlySpan<byte> data)
    {
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
                AppendFrame(Http2FrameHeader.Data, 0, stream.Id, data.Slice(offset, Math.Min(_peerMaxFrameSize, taken - offset)));
            }
        }

        stream.FlushRequest();
        return taken;
    }

    /// <summary>Ends the request side: an empty DATA frame with END_STREAM.</summary>
    public void EndRequest(Http2Stream stream)
    {
        var removed = false;
        lock (_lock)
        {
            if (stream.LocalEnded || stream.Removed)
            {
                return;
            }

            stream.LocalEnded = true;
            AppendFrame(Http2FrameHeader.Data, Http2FrameHeader.EndStream, stream.Id, []);
            if (stream.RemoteEnded)
            {
                removed = RemoveLocked(stream);
            }
        }

        stream.FlushRequest();
        if (removed)
        {
            _pool.OnSlotFreed();
        }
    }

    /// <summary>Resets a stream that is still open on either side (RST_STREAM) and frees its slot.</summary>
    public void Reset(Http2Stream stream, int errorCode)
    {
        lock (_lock)
        {
            if (stream.Removed)
            {
                return;
            }

            Span<byte> payload = stackalloc byte[4];
            BinaryPrimitives.WriteInt32BigEndian(payload, errorCode);
            AppendFrame(Http2FrameHeader.RstStream, 0, stream.Id, payload);
            stream.LocalEnded = true;
            RemoveLocked(stream);
        }

        Flush();
        _pool.OnSlotFreed();
    }

    /// <summary>Returns receive credit for what the proxy read from a stream (WINDOW_UPDATE).</summary>
    public void ReturnStreamCredit(Http2Stream stream, int bytes)
    {
        lock (_lock)
        {
            if (stream.Removed || stream.RemoteEnded)
            {
                return;
            }

            AppendWindowUpdate(stream.Id, bytes);
        }

        Flush();
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
            AppendFrame(Http2FrameHeader.Settings, 0, 0, settings);
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
        var span = _pending.GetSpan(Http2FrameHeader.Size + payload.Length);
        Http2FrameHeader.Write(span, payload.Length, type, flags, streamId);
        payload.CopyTo(span[Http2FrameHeader.Size..]);
        _pending.Advance(Http2FrameHeader.Size + payload.Length);
    }

    private void AppendWindowUpdate(int streamId, int increment)
    {
        Span<byte> payload = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(payload, increment);
        AppendFrame(Http2FrameHeader.WindowUpdate, 0, streamId, payload);
    }

    private void AppendHeaderBlock(int streamId, ReadOnlySpan<byte> block, bool endStream)
    {
        var first = Math.Min(block.Length, _peerMaxFrameSize);
        var flags = (byte)((endStream ? Http2FrameHeader.EndStream : 0) | (first == block.Length ? Http2FrameHeader.EndHeaders : 0));
        AppendFrame(Http2FrameHeader.Headers, flags, streamId, block[..first]);
        for (var offset = first; offset < block.Length; offset += _peerMaxFrameSize)
        {
            var length = Math.Min(_peerMaxFrameSize, block.Length - offset);
            AppendFrame(Http2FrameHeader.Continuation, offset + length == block.Length ? Http2FrameHeader.EndHeaders : (byte)0, streamId, block.Slice(offset, length));
        }
    }

    private static void EncodeRequestHeaders(HttpRequestMessage request, CallerHeaders? caller, string authority, HpackEncoder encoder, IBufferWriter<byte> destination)
    {
        var uri = request.RequestUri!;
        encoder.EncodeHeader(":method", request.Method.Method, destination);
        encoder.EncodeHeader(":scheme", "http", destination);
        encoder.EncodeHeader(":authority", (caller is null ? Host(request.Headers) : caller.Authority) ?? authority, destination);
        encoder.EncodeHeader(":path", uri.PathAndQuery, destination);

        // The try's own fields first: they replace the caller's of the same name.
        var own = new OwnFieldNames();
        EncodeFields(request.Headers.NonValidated, encoder, destination, ref own);
        if (request.Content is { } content)
        {
            EncodeFields(content.Headers.NonValidated, encoder, destination, ref own);
        }

        if (caller is null)
        {
            return;
        }

        var ownTraceParent = own.Contains(TraceParent, request);
        foreach (ref readonly var field in caller.Fields)
        {
            if (own.Contains(field.Name, request) || (ownTraceParent && field.Name == TraceState))
            {
                continue;
            }

            encoder.EncodeHeader(field.Name, field.Value, destination);
        }
    }

    // The raw Host the forwarder copied from the caller: the typed getter would parse it, under a lock, per call.
    private static string? Host(HttpRequestHeaders headers) =>
        headers.NonValidated.TryGetValues("Host", out var values) && values.Count == 1 && values.ToString() is { Length: > 0 } host ? host : null;

    private static void EncodeFields(HttpHeadersNonValidated headers, HpackEncoder encoder, IBufferWriter<byte> destination, ref OwnFieldNames own)
    {
        foreach (var (rawName, values) in headers)
        {
            var name = HttpFieldNames.Lower(rawName);
            if (IsConnectionSpecific(name))
            {
                continue;
            }

            own.Add(name);
            foreach (var value in values)
            {
                if (name == "te" && !value.Equals("trailers", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                encoder.EncodeHeader(name, value, destination);
            }
        }
    }

    // RFC 9113 §8.2.2: connection-specific fields must not appear in HTTP/2; Host travels as :authority.
    private static bool IsConnectionSpecific(string name) => name is "connection" or "keep-alive" or "proxy-connection"
        or "transfer-encoding" or "upgrade" or "host";

    /// <summary>
    /// Sends what is pending unless a send is already on its way (which then sends it too). With one stream open the
    /// send runs on the caller's thread, up to a socket that has room: no thread hop at light load. With more, it is
    /// queued behind the work already waiting, so the calls that run first append their frames to the same write:
    /// at 256 calls in flight that halves the sends per call (docs/benchmarks.md, "The lean HTTP/2 upstream client").
    /// </summary>
    public void Flush()
    {
        bool inline;
        lock (_lock)
        {
            if (_pending.Length == 0 || _flushing)
            {
                return;
            }

            _flushing = true;
            inline = _streams.Count <= 1;
        }

        if (inline)
        {
            _ = FlushAsync();
        }
        else
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
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
                        _flushing = false;
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

    /// <summary>
    /// The names of a try's own fields, which a caller's field of the same name gives way to; <c>tracestate</c> gives way
    /// to the try's own <c>traceparent</c> too, as the two describe one trace context (W3C Trace Context §3.3).
    /// </summary>
    /// <remarks>A try has a few (the deadline, a trace, the attempt count): past <see cref="Capacity"/> the request is asked.</remarks>
    private struct OwnFieldNames
    {
        private const int Capacity = 4;
        private Names _names;
        private int _count;

        public void Add(string name)
        {
            if (_count < Capacity)
            {
                _names[_count] = name;
            }

            _count++;
        }

        public readonly bool Contains(string name, HttpRequestMessage request)
        {
            if (_count > Capacity)
            {
                return request.Headers.NonValidated.Contains(name) || (request.Content?.Headers.NonValidated.Contains(name) ?? false);
            }

            for (var i = 0; i < _count; i++)
            {
                if (string.Equals(_names[i], name, StringComparison.Ordinal))
                {
                    return true;
                }
            }

            return false;
        }

        [InlineArray(Capacity)]
        private struct Names
        {
            private string _first;
        }
    }
}
