using System.Buffers;
using System.Net;
using System.Text;
using MeshProxy.IO;
using MeshProxy.Upstream.Hpack;

namespace MeshProxy.Upstream;

/// <summary>
/// One call on an <see cref="Http2Connection"/>: its request side (HEADERS, then the content's DATA under the server's
/// windows) and its response side (headers, DATA buffered up to our window, trailers), as one object per call.
/// </summary>
/// <remarks>
/// Fields marked "connection lock" change only under the connection's lock; the receive side has its own lock, taken
/// by the connection's read loop and the one reader of the response body.
/// </remarks>
internal sealed class Http2Stream : IHeaderSink
{
    private static readonly Action<object?> CancelCallback = static state => ((Http2Stream)state!).OnCancelled();

    private readonly Http2Connection _connection;
    private readonly HttpRequestMessage _request;
    private readonly CallerHeaders? _caller;
    private readonly TaskCompletionSource<HttpResponseMessage> _responseReady = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _receiveLock = new();
    private CancellationToken _cancellationToken;
    private CancellationTokenRegistration _cancellation;
    private CancellationTokenSource? _stopBody;
    private bool _starting;
    private HttpResponseMessage? _response;
    private HeaderFieldList? _responseFields;
    private HeaderFieldList? _trailerFields;
    private bool _informational;
    private bool _trailersDone;
    private string? _malformed;

    // Receive side (_receiveLock).
    private byte[]? _received;
    private int _receivedStart;
    private int _receivedEnd;
    private int _unackedBytes;
    private bool _receiveEnded;
    private Exception? _failure;
    private AsyncSignal? _dataSignal;
    private bool _readerWaiting;

    // Send side waiting for window (connection lock arms it, a window update wakes it).
    private AsyncSignal? _windowSignal;

    /// <param name="connection">The connection with a slot reserved for the stream.</param>
    /// <param name="request">The try's request.</param>
    /// <param name="caller">The caller's headers, sent after the request's own; null when the forwarder copied them into the request.</param>
    public Http2Stream(Http2Connection connection, HttpRequestMessage request, CallerHeaders? caller)
    {
        _connection = connection;
        _request = request;
        _caller = caller;
    }

    /// <summary>The stream id, set when HEADERS are written (connection lock).</summary>
    public int Id { get; set; }

    /// <summary>The server's window for this stream; negative after a SETTINGS decrease (connection lock).</summary>
    public int SendWindow { get; set; }

    /// <summary>END_STREAM or RST_STREAM sent (connection lock).</summary>
    public bool LocalEnded { get; set; }

    /// <summary>END_STREAM received (connection lock).</summary>
    public bool RemoteEnded { get; set; }

    /// <summary>No longer in the connection's table (connection lock).</summary>
    public bool Removed { get; set; }

    /// <summary>
    /// Sends the request; the task completes once the response headers (or a failure) arrive. It is the stream's own
    /// completion source's task, not an async method's: the caller awaits the read loop's answer directly.
    /// </summary>
    public Task<HttpResponseMessage> SendAsync(CancellationToken cancellationToken)
    {
        var content = _request.Content;
        try
        {
            _connection.Open(this, _request, _caller, endStream: content is null);
        }
        catch (HttpRequestException ex)
        {
            return Task.FromException<HttpResponseMessage>(ex);
        }

        if (cancellationToken.CanBeCanceled)
        {
            // The token covers the whole call, the response body included, as SocketsHttpHandler's does for HTTP/2:
            // the forwarder cancels it when the caller goes away or the deadline ends.
            _cancellationToken = cancellationToken;
            _cancellation = cancellationToken.UnsafeRegister(CancelCallback, this);
        }

        if (content is not null)
        {
            // Its own source, not a linked one: the call's token reaches it through OnCancelled, and a response that
            // ends first stops it too (StopSendingBody), as SocketsHttpHandler stops a body nobody will read.
            _stopBody = new CancellationTokenSource();
            Volatile.Write(ref _starting, true);
            _ = SendContentAsync(content, _stopBody.Token);
            Volatile.Write(ref _starting, false);
        }

        // The content ran as far as it could without waiting: one write carries HEADERS and whatever it produced.
        _connection.Flush();
        return _responseReady.Task;
    }

    private async Task SendContentAsync(HttpContent content, CancellationToken stopBody)
    {
        try
        {
            await content.CopyToAsync(new Http2RequestBodyStream(this), stopBody).ConfigureAwait(false);
            _connection.EndRequest(this);
        }
        catch (Exception ex)
        {
            // A response that already ended (a server that answered early) needs nothing more of the body.
            if (!RemoteEndedWithoutFailure)
            {
                _connection.Reset(this, Http2Wire.Cancel);
                Fail(ex is OperationCanceledException && _cancellationToken.IsCancellationRequested
                    ? new OperationCanceledException("the call was cancelled", ex, _cancellationToken)
                    : new HttpRequestException(HttpRequestError.Unknown, "the request body could not be sent upstream", ex));
            }
            else
            {
                _connection.Reset(this, Http2Wire.NoError);
            }
        }
    }

    private bool RemoteEndedWithoutFailure
    {
        get
        {
            lock (_receiveLock)
            {
                return _receiveEnded && _failure is null;
            }
        }
    }

    /// <summary>Writes request body bytes, waiting while either send window is closed.</summary>
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            var taken = _connection.AppendData(this, data.Span);
            if (taken == 0)
            {
                await _windowSignal!.WaitAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            data = data[taken..];
        }
    }

    /// <summary>
    /// True while <see cref="SendAsync"/> runs the content's first, synchronous part: its writes are left for the one
    /// flush that follows, so a unary call leaves in one socket write.
    /// </summary>
    public bool Starting => Volatile.Read(ref _starting);

    /// <summary>Sends what the content wrote, unless the first flush will.</summary>
    public void FlushRequest()
    {
        if (!Starting)
        {
            _connection.Flush();
        }
    }

    /// <summary>Throws when the request side can no longer send (connection lock).</summary>
    public void ThrowIfSendClosed()
    {
        if (Removed || LocalEnded || Volatile.Read(ref _failure) is not null)
        {
            throw _failure is { } failure
                ? new IOException("the upstream stream was closed", failure)
                : new IOException("the upstream stream was closed");
        }
    }

    /// <summary>Prepares the wait for window (connection lock).</summary>
    public void ArmWindowWait()
    {
        var signal = _windowSignal ??= new AsyncSignal();
        signal.Reset();

        // Fail does not take the connection lock: a failure that landed between the caller's check and this reset
        // would have its wake undone, so look again.
        if (Volatile.Read(ref _failure) is not null)
        {
            signal.Set();
        }
    }

    public void WakeWindowWait() => _windowSignal?.Set();

    /// <summary>The read loop starts decoding a header block of this stream.</summary>
    public IHeaderSink BeginHeaderBlock()
    {
        _informational = false;
        return this;
    }

    void IHeaderSink.OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        if (name.Length > 0 && name[0] == (byte)':')
        {
            OnPseudoHeader(name, value);
            return;
        }

        if (_informational)
        {
            return;
        }

        if (_response is null)
        {
            _malformed ??= "the upstream response has no :status";
            return;
        }

        var headerName = HeaderStrings.Name(name);
        var headerValue = HeaderStrings.Value(value);
        if (_trailersDone)
        {
            _malformed ??= "the upstream server sent a header block after its trailers";
        }
        else if (KeepsFields)
        {
            // A field name HttpHeaders would refuse is dropped, as it was when the fields went through it.
            if (HttpFieldNames.IsToken(name))
            {
                (_responseReady.Task.IsCompleted ? _trailerFields ??= new(capacity: 4) : _responseFields ??= new()).Add(headerName, headerValue);
            }
        }
        else if (_responseReady.Task.IsCompleted)
        {
            _response.TrailingHeaders.TryAddWithoutValidation(headerName, headerValue);
        }
        else if (!_response.Headers.TryAddWithoutValidation(headerName, headerValue))
        {
            _response.Content.Headers.TryAddWithoutValidation(headerName, headerValue);
        }
    }

    /// <summary>The call took the caller's headers, so the response's fields are kept for it to forward (<see cref="UpstreamResponseFields"/>).</summary>
    public bool KeepsFields => _caller is not null;

    /// <summary>The response's header fields, when <see cref="KeepsFields"/> (read loop, before the response is handed over).</summary>
    public HeaderFieldList? ResponseFields => _responseFields;

    /// <summary>The response's trailer fields, when <see cref="KeepsFields"/>; read once the body has ended.</summary>
    public HeaderFieldList? TrailerFields => Volatile.Read(ref _trailerFields);

    private void OnPseudoHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        if (!name.SequenceEqual(":status"u8) || _response is not null && _responseReady.Task.IsCompleted)
        {
            _malformed ??= $"the upstream response carries the pseudo-header {Encoding.ASCII.GetString(name)} where it may not";
            return;
        }

        if (value.Length != 3 || !char.IsAsciiDigit((char)value[0]) || !char.IsAsciiDigit((char)value[1]) || !char.IsAsciiDigit((char)value[2])
            || (value[0] - '0') * 100 + (value[1] - '0') * 10 + (value[2] - '0') is var status && status < 100)
        {
            _malformed ??= "the upstream response has an invalid :status";
            return;
        }

        if (status < 200)
        {
            _informational = true;
            return;
        }

        _response = new HttpResponseMessage((HttpStatusCode)status)
        {
            Version = HttpVersion.Version20,
            RequestMessage = _request,
            Content = new Http2ResponseContent(this),
        };
    }

    /// <summary>The read loop finished a header block; returns why it is malformed, or null.</summary>
    public string? EndHeaderBlock(bool endStream)
    {
        if (_malformed is { } malformed)
        {
            return malformed;
        }

        if (_informational)
        {
            return endStream ? "the upstream server ended the stream with an informational response" : null;
        }

        if (_response is null)
        {
            return "the upstream response has no :status";
        }

        if (!_responseReady.Task.IsCompleted)
        {
            if (endStream)
            {
                MarkReceiveEnded();
            }

            _responseReady.TrySetResult(_response);
            return null;
        }

        if (!endStream)
        {
            return "the upstream server sent trailers without ending the stream";
        }

        _trailersDone = true;
        MarkReceiveEnded();
        return null;
    }

    /// <summary>Buffers DATA for the reader; false when it exceeds the window we gave the server.</summary>
    public bool OnData(ReadOnlySpan<byte> data, int flowControlled, bool endStream)
    {
        lock (_receiveLock)
        {
            if (_failure is not null || _receiveEnded)
            {
                return true;
            }

            var buffered = _receivedEnd - _receivedStart;
            if (buffered + _unackedBytes + flowControlled > Http2Connection.StreamReceiveWindow)
            {
                return false;
            }

            // Padding counts against the window but is never read: it is returned at once, with the next read's credit.
            _unackedBytes += flowControlled - data.Length;
            if (!data.IsEmpty)
            {
                Append(data);
            }

            if (endStream)
            {
                _receiveEnded = true;
            }

            WakeReaderLocked();
            return true;
        }
    }

    private void Append(ReadOnlySpan<byte> data)
    {
        if (_received is null)
        {
            _received = ArrayPool<byte>.Shared.Rent(Math.Max(data.Length, 256));
        }
        else if (_received.Length - _receivedEnd < data.Length)
        {
            var buffered = _receivedEnd - _receivedStart;
            if (_received.Length - buffered < data.Length)
            {
                var larger = ArrayPool<byte>.Shared.Rent(Math.Max(buffered + data.Length, _received.Length * 2));
                _received.AsSpan(_receivedStart, buffered).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(_received);
                _received = larger;
            }
            else
            {
                _received.AsSpan(_receivedStart, buffered).CopyTo(_received);
            }

            _receivedStart = 0;
            _receivedEnd = buffered;
        }

        data.CopyTo(_received.AsSpan(_receivedEnd));
        _receivedEnd += data.Length;
    }

    private void MarkReceiveEnded()
    {
        lock (_receiveLock)
        {
            _receiveEnded = true;
            WakeReaderLocked();
        }
    }

    /// <summary>Reads response body bytes; 0 at the end (trailers are then in place).</summary>
    public async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        while (true)
        {
            AsyncSignal signal;
            var count = 0;
            var credit = 0;
            lock (_receiveLock)
            {
                var buffered = _receivedEnd - _receivedStart;
                if (buffered > 0)
                {
                    count = Math.Min(buffered, destination.Length);
                    _received.AsSpan(_receivedStart, count).CopyTo(destination.Span);
                    _receivedStart += count;
                    _unackedBytes += count;
                    credit = TakeCreditLocked();
                    if (_receivedStart == _receivedEnd)
                    {
                        _receivedStart = _receivedEnd = 0;
                    }
                }
                else if (_failure is not null)
                {
                    throw ReadFailure(_failure);
                }
                else if (_receiveEnded)
                {
                    ReturnBufferLocked();
                    return 0;
                }
                else
                {
                    signal = _dataSignal ??= new AsyncSignal();
                    signal.Reset();
                    _readerWaiting = true;
                    goto wait;
                }
            }

            if (credit > 0)
            {
                _connection.ReturnStreamCredit(this, credit);
            }

            return count;

        wait:
            await signal.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    // Window credit goes back once half the window is read, so a bulk transfer gets a WINDOW_UPDATE per 512 KiB.
    private int TakeCreditLocked()
    {
        if (_receiveEnded || _unackedBytes < Http2Connection.StreamReceiveWindow / 2)
        {
            return 0;
        }

        var credit = _unackedBytes;
        _unackedBytes = 0;
        return credit;
    }

    private static Exception ReadFailure(Exception failure) => failure switch
    {
        OperationCanceledException or IOException => failure,
        _ => new HttpIOException(HttpRequestError.ResponseEnded, "the upstream response ended early", failure),
    };

    private void WakeReaderLocked()
    {
        if (_readerWaiting)
        {
            _readerWaiting = false;
            _dataSignal!.Set();
        }
    }

    private void ReturnBufferLocked()
    {
        if (_received is not null)
        {
            ArrayPool<byte>.Shared.Return(_received);
            _received = null;
        }
    }

    /// <summary>Ends the call with <paramref name="reason"/>: a waiting SendAsync, reader and writer all see it.</summary>
    public void Fail(Exception reason)
    {
        lock (_receiveLock)
        {
            // A response that arrived whole stays readable: a late cancel or reset has nothing left to stop.
            if (_failure is not null || _receiveEnded && _responseReady.Task.IsCompleted)
            {
                return;
            }

            _failure = reason;
            WakeReaderLocked();
        }

        _responseReady.TrySetException(reason);
        _windowSignal?.Set();
        StopSendingBody();
        _cancellation.Dispose();
    }

    /// <summary>The response ended while the request was still being sent: the body's copy stops.</summary>
    public void StopSendingBody()
    {
        if (_stopBody is { } stop)
        {
            // Not inline: cancelling runs the body source's callbacks, which have no place on the read loop.
            _ = stop.CancelAsync();
        }
    }

    private void OnCancelled()
    {
        _stopBody?.Cancel();
        _connection.Reset(this, Http2Wire.Cancel);
        Fail(new OperationCanceledException("the call was cancelled", _cancellationToken));
    }

    /// <summary>The response body was disposed: a stream not yet ended is reset (CANCEL) so the server stops.</summary>
    public void OnResponseDisposed()
    {
        bool ended;
        lock (_receiveLock)
        {
            ended = _receiveEnded || _failure is not null;
            ReturnBufferLocked();
            _receivedStart = _receivedEnd = 0;
        }

        if (!ended)
        {
            _connection.Reset(this, Http2Wire.Cancel);
            Fail(new ObjectDisposedException(nameof(Http2ResponseBodyStream)));
        }

        _cancellation.Dispose();
    }
}
