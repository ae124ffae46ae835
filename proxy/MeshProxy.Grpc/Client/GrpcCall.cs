using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using Google.Protobuf;
using MeshProxy.Grpc.Framing;

namespace MeshProxy.Grpc.Client;

/// <summary>
/// The client side of one call over HttpClient: sends the request (PROTOCOL-HTTP2.md, Requests), reads messages,
/// and derives the status from trailers, Trailers-Only headers, the HTTP status or the transport failure. The status
/// is decided once; a deadline or cancellation decides it by resetting the stream.
/// </summary>
internal sealed class GrpcCall<TRequest, TResponse> : IClientCall
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private readonly GrpcChannel _channel;
    private readonly Method<TRequest, TResponse> _method;
    private readonly CallOptions _options;
    private readonly CancellationTokenSource _cts;
    private readonly CancellationToken _callToken;
    private readonly TaskCompletionSource<Metadata> _headers = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _lock = new();
    private readonly string? _writeEncoding;
    private ITimer? _deadlineTimer;
    private volatile bool _deadlineExceeded;
    private Status? _status;
    private Metadata? _trailers;
    private HttpResponseMessage? _response;
    private PipeReader? _reader;
    private string? _responseEncoding;
    private StreamingRequestContent? _streamingContent;
    private Task<bool> _started = Task.FromResult(false);

    public GrpcCall(GrpcChannel channel, Method<TRequest, TResponse> method, CallOptions options)
    {
        _channel = channel;
        _method = method;
        _options = options;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(options.CancellationToken);
        _callToken = _cts.Token;
        _writeEncoding = GrpcCompression.Normalize(options.WriteCompression);
        if (_writeEncoding is not null && !GrpcCompression.IsCompressing(_writeEncoding))
        {
            throw new ArgumentException($"Unsupported write compression '{options.WriteCompression}'; use gzip or deflate.", nameof(options));
        }

        // Nobody has to look at the headers; a failed call must not raise an unobserved-task event for them.
        _headers.Task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    public Task<Metadata> ResponseHeadersAsync => _headers.Task;

    public Status GetStatus() =>
        _status ?? throw new InvalidOperationException("Unable to get the status because the call is not complete.");

    public Metadata GetTrailers() =>
        _trailers ?? throw new InvalidOperationException("Unable to get the trailers because the call is not complete.");

    /// <summary>Starts a unary or server-streaming call with its one request message.</summary>
    public void StartWithMessage(TRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var buffer = new ArrayBufferWriter<byte>();
        try
        {
            GrpcFrameWriter.Write(buffer, request, _channel.Options.MaxSendMessageSize, _writeEncoding, _channel.Options.CompressionLevel);
        }
        catch (RpcException ex)
        {
            Finish(ex.Status, new Metadata());
            return;
        }

        _started = StartAsync(new UnaryRequestContent(buffer.WrittenMemory));
    }

    /// <summary>Starts a client-streaming or duplex call; messages follow through the returned writer.</summary>
    public IClientStreamWriter<TRequest> StartStreaming()
    {
        _streamingContent = new StreamingRequestContent();
        _started = StartAsync(_streamingContent);
        return new ClientStreamWriter(this, _streamingContent);
    }

    /// <summary>Reads one unary response: exactly one message, then an OK status.</summary>
    public async Task<TResponse> ReadUnaryResponseAsync()
    {
        var response = await ReadMessageAsync(CancellationToken.None).ConfigureAwait(false);
        if (response is null)
        {
            throw Fail(new Status(StatusCode.Internal, "Failed to read the response: the server ended the call with OK but sent no message."));
        }

        if (await ReadMessageAsync(CancellationToken.None).ConfigureAwait(false) is not null)
        {
            throw Fail(new Status(StatusCode.Internal, "Failed to read the response: the server sent more than one message for a unary response."));
        }

        return response;
    }

    /// <summary>Reads the next response message; null at the end of an OK call; a failed call throws <see cref="RpcException"/>.</summary>
    public async Task<TResponse?> ReadMessageAsync(CancellationToken cancellationToken)
    {
        if (!await _started.ConfigureAwait(false) || _status is not null)
        {
            return EndOrThrow();
        }

        using var linked = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _callToken) : null;
        try
        {
            var message = await GrpcFrameReader.ReadMessageAsync(_reader!, _method.ResponseParser, _channel.Options.MaxReceiveMessageSize, _responseEncoding, linked?.Token ?? _callToken).ConfigureAwait(false);
            if (message is not null)
            {
                return message;
            }

            // End of the body: the status is in the trailers (PROTOCOL-HTTP2.md, Response → Trailers).
            var trailers = _response!.TrailingHeaders;
            var status = GrpcResponseStatus.FromHeaders(trailers) ?? new Status(StatusCode.Internal, "No grpc-status found on response.");
            Finish(status, GrpcResponseStatus.ToMetadata(trailers));
        }
        catch (RpcException ex) when (_status is null)
        {
            // A local protocol check failed (size limit, bad frame): the call ends here and the stream is reset.
            Finish(ex.Status, new Metadata());
        }
        catch (Exception ex) when (ex is OperationCanceledException && cancellationToken.IsCancellationRequested && !_callToken.IsCancellationRequested)
        {
            Finish(new Status(StatusCode.Cancelled, "Call canceled by the client."), new Metadata());
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            Finish(StatusFromException(ex), new Metadata());
        }

        return EndOrThrow();
    }

    public void Dispose()
    {
        Finish(new Status(StatusCode.Cancelled, "gRPC call disposed."), new Metadata());
        _cts.Dispose();
    }

    /// <summary>Ends the call with this status unless it has ended; returns the exception that describes the final status.</summary>
    internal RpcException Fail(Status status)
    {
        Finish(status, new Metadata());
        return CreateException();
    }

    internal bool IsFinished => _status is not null;

    internal RpcException CreateException() => new(_status!.Value, _trailers ?? new Metadata());

    internal Status StatusFromException(Exception exception)
    {
        if (_deadlineExceeded)
        {
            return new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded");
        }

        if (_options.CancellationToken.IsCancellationRequested)
        {
            return new Status(StatusCode.Cancelled, "Call canceled by the client.");
        }

        for (var inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is HttpProtocolException protocol)
            {
                return new Status(GrpcResponseStatus.FromHttp2ErrorCode(protocol.ErrorCode), $"Error received from peer: HTTP/2 error code 0x{protocol.ErrorCode:X}.");
            }
        }

        GrpcClientLog.CallFailedTransport(_channel.Logger, _method.FullName, exception);
        return exception switch
        {
            HttpRequestException or IOException => new Status(StatusCode.Unavailable, $"Error connecting or talking to {_channel.Address}: {exception.Message}"),
            OperationCanceledException => new Status(StatusCode.Cancelled, "Call canceled."),
            _ => new Status(StatusCode.Internal, $"Error in the gRPC client: {exception.GetType().Name}: {exception.Message}"),
        };
    }

    private async Task<bool> StartAsync(HttpContent content)
    {
        string? timeout = null;
        if (_options.Deadline is { } deadline && deadline != DateTime.MaxValue)
        {
            var remaining = deadline.ToUniversalTime() - _channel.TimeProvider.GetUtcNow().UtcDateTime;
            if (remaining <= TimeSpan.Zero)
            {
                _deadlineExceeded = true;
                Finish(new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"), new Metadata());
                return false;
            }

            timeout = GrpcTimeout.Format(remaining);
            _deadlineTimer = _channel.TimeProvider.CreateTimer(static state => ((GrpcCall<TRequest, TResponse>)state!).OnDeadline(), this, remaining, Timeout.InfiniteTimeSpan);
        }

        GrpcClientLog.CallStarting(_channel.Logger, _method.FullName, _channel.Address);
        using var request = CreateRequest(content, timeout);
        HttpResponseMessage response;
        try
        {
            response = await _channel.Invoker.SendAsync(request, _callToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Finish(StatusFromException(ex), new Metadata());
            return false;
        }

        lock (_lock)
        {
            if (_status is not null)
            {
                response.Dispose();
                return false;
            }

            _response = response;
        }

        // Not 200: the HTTP-to-gRPC mapping decides (http-grpc-status-mapping.md); a gRPC status in headers still wins.
        var headerStatus = GrpcResponseStatus.FromHeaders(response.Headers);
        if (response.StatusCode != HttpStatusCode.OK && headerStatus is null)
        {
            var code = GrpcResponseStatus.FromHttpStatus(response.StatusCode);
            Finish(new Status(code, $"Bad gRPC response. HTTP status code: {(int)response.StatusCode}."), GrpcResponseStatus.ToMetadata(response.Headers));
            return false;
        }

        var headers = GrpcResponseStatus.ToMetadata(response.Headers);
        if (headerStatus is { } trailersOnly)
        {
            // Trailers-Only: the one HEADERS frame carries the status and the trailers' metadata.
            _headers.TrySetResult(headers);
            Finish(trailersOnly, headers);
            return false;
        }

        if (!GrpcProtocol.IsGrpcContentType(response.Content.Headers.ContentType?.MediaType))
        {
            Finish(new Status(StatusCode.Internal, $"Bad gRPC response. Invalid content-type value: {response.Content.Headers.ContentType}."), new Metadata());
            return false;
        }

        var encoding = response.Headers.TryGetValues(GrpcProtocol.EncodingHeader, out var values) ? values.FirstOrDefault() : null;
        if (!GrpcCompression.IsSupported(encoding))
        {
            Finish(new Status(StatusCode.Internal, $"The server used grpc-encoding '{encoding}', which this client does not support."), new Metadata());
            return false;
        }

        _responseEncoding = GrpcCompression.Normalize(encoding);
        _headers.TrySetResult(headers);
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(_callToken).ConfigureAwait(false);
            _reader = PipeReader.Create(stream);
        }
        catch (Exception ex)
        {
            Finish(StatusFromException(ex), new Metadata());
            return false;
        }

        return true;
    }

    private HttpRequestMessage CreateRequest(HttpContent content, string? timeout)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, _channel.MethodUri(_method.FullName))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        var headers = request.Headers;
        headers.TryAddWithoutValidation(GrpcProtocol.TeHeader, GrpcProtocol.TeTrailers);
        headers.TryAddWithoutValidation("user-agent", GrpcChannel.UserAgent);
        headers.TryAddWithoutValidation(GrpcProtocol.AcceptEncodingHeader, GrpcCompression.AcceptEncoding);
        if (timeout is not null)
        {
            headers.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, timeout);
        }

        if (_writeEncoding is not null)
        {
            headers.TryAddWithoutValidation(GrpcProtocol.EncodingHeader, _writeEncoding);
        }

        if (_options.Headers is { } metadata)
        {
            foreach (var entry in metadata)
            {
                headers.TryAddWithoutValidation(entry.Key, MetadataHeaders.ToHeaderValue(entry));
            }
        }

        return request;
    }

    private void OnDeadline()
    {
        _deadlineExceeded = true;
        GrpcClientLog.DeadlineExceeded(_channel.Logger, _method.FullName);
        Finish(new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"), new Metadata());
    }

    private TResponse? EndOrThrow() =>
        _status is { StatusCode: StatusCode.OK } ? null : throw CreateException();

    private void Finish(Status status, Metadata trailers)
    {
        HttpResponseMessage? response;
        lock (_lock)
        {
            if (_status is not null)
            {
                return;
            }

            _trailers = trailers;
            _status = status;
            response = _response;
        }

        GrpcClientLog.CallFinished(_channel.Logger, _method.FullName, status.StatusCode, status.Detail);
        _deadlineTimer?.Dispose();
        _headers.TrySetException(new RpcException(status, trailers));
        if (status.StatusCode == StatusCode.OK)
        {
            _streamingContent?.Complete();
            response?.Dispose();
            return;
        }

        // A call that ends early resets its stream (RST_STREAM CANCEL), so the server's token fires too.
        _streamingContent?.Abort(new RpcException(status, trailers));
        try
        {
            _cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Disposed by a racing Dispose; the stream is being torn down already.
        }

        response?.Dispose();
    }

    /// <summary>Writes request messages straight to HttpClient's request stream, one flush per message.</summary>
    private sealed class ClientStreamWriter(GrpcCall<TRequest, TResponse> call, StreamingRequestContent content) : IClientStreamWriter<TRequest>
    {
        private bool _completed;

        public async Task WriteAsync(TRequest message, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(message);
            if (_completed)
            {
                throw new InvalidOperationException("The request stream has already been completed.");
            }

            ThrowIfFinished();
            var buffer = new ArrayBufferWriter<byte>();
            try
            {
                GrpcFrameWriter.Write(buffer, message, call._channel.Options.MaxSendMessageSize, call._writeEncoding, call._channel.Options.CompressionLevel);
            }
            catch (RpcException ex)
            {
                throw call.Fail(ex.Status);
            }

            using var linked = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, call._callToken) : null;
            var token = linked?.Token ?? call._callToken;
            try
            {
                var stream = await content.StreamAsync.WaitAsync(token).ConfigureAwait(false);
                await stream.WriteAsync(buffer.WrittenMemory, token).ConfigureAwait(false);
                await stream.FlushAsync(token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not RpcException || !call.IsFinished)
            {
                if (!call.IsFinished)
                {
                    var status = ex is RpcException rpc ? rpc.Status : call.StatusFromException(ex);
                    throw call.Fail(status);
                }

                ThrowIfFinished();
                throw;
            }
        }

        public Task CompleteAsync()
        {
            _completed = true;
            content.Complete();
            return Task.CompletedTask;
        }

        private void ThrowIfFinished()
        {
            if (!call.IsFinished)
            {
                return;
            }

            if (call.GetStatus().StatusCode != StatusCode.OK)
            {
                throw call.CreateException();
            }

            throw new InvalidOperationException("Can't write to the request stream because the call has completed.");
        }
    }
}
