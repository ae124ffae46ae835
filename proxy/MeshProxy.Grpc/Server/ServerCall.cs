using Google.Protobuf;
using MeshProxy.Grpc.Framing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace MeshProxy.Grpc.Server;

/// <summary>
/// The server side of one call: deadline, cancellation, response headers, messages and the final status. Writes and
/// completion are serialised so a deadline that fires mid-write cannot interleave frames with the status.
/// </summary>
internal sealed class ServerCall : IAsyncDisposable
{
    private readonly GrpcServerOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _cts;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Lock _stateLock = new();
    private readonly string? _requestEncoding;
    private readonly string _acceptEncoding;
    private string? _responseEncoding;
    private ITimer? _deadlineTimer;
    private Task? _deadlineTask;
    private bool _finished;
    private bool _headersSent;
    private bool _completed;
    private volatile bool _deadlineExceeded;

    public ServerCall(HttpContext httpContext, string method, GrpcServerOptions options, ILogger logger, TimeProvider timeProvider, string? requestEncoding)
    {
        HttpContext = httpContext;
        _options = options;
        _logger = logger;
        _requestEncoding = GrpcCompression.Normalize(requestEncoding);
        _acceptEncoding = httpContext.Request.Headers[GrpcProtocol.AcceptEncodingHeader].ToString();
        _responseEncoding = ChooseResponseEncoding(options.ResponseCompressionAlgorithm, _acceptEncoding);
        _cts = CancellationTokenSource.CreateLinkedTokenSource(httpContext.RequestAborted);

        var deadline = DateTime.MaxValue;
        var timeoutHeader = httpContext.Request.Headers[GrpcProtocol.TimeoutHeader].ToString();
        if (timeoutHeader.Length > 0)
        {
            if (GrpcTimeout.TryParse(timeoutHeader, out var timeout))
            {
                var now = timeProvider.GetUtcNow().UtcDateTime;
                deadline = timeout >= DateTime.MaxValue - now ? DateTime.MaxValue : now + timeout;
                if (deadline != DateTime.MaxValue)
                {
                    _deadlineTimer = timeProvider.CreateTimer(static state => ((ServerCall)state!).OnDeadline(), this, timeout, Timeout.InfiniteTimeSpan);
                }
            }
            else
            {
                GrpcServerLog.InvalidTimeout(logger, method, timeoutHeader);
            }
        }

        Context = new ServerCallContext(this, method, deadline);
    }

    public HttpContext HttpContext { get; }

    public ServerCallContext Context { get; }

    public CancellationToken CancellationToken => _cts.Token;

    public bool DeadlineExceeded => _deadlineExceeded;

    /// <summary>The grpc-encoding of response messages; changeable until the response headers are sent.</summary>
    public string? ResponseEncoding => _responseEncoding;

    public void SetResponseEncoding(string? algorithm)
    {
        if (_headersSent)
        {
            throw new InvalidOperationException("Response compression must be chosen before the response headers are sent.");
        }

        if (algorithm is not null && !GrpcCompression.IsCompressing(algorithm))
        {
            throw new ArgumentException($"Unsupported response compression '{algorithm}'; use gzip or deflate.", nameof(algorithm));
        }

        // A client that does not accept the algorithm gets identity: compression.md forbids using an unaccepted one.
        _responseEncoding = algorithm is null ? null : ChooseResponseEncoding(algorithm, _acceptEncoding);
    }

    public ValueTask<T?> ReadMessageAsync<T>(MessageParser<T> parser, CancellationToken cancellationToken)
        where T : class, IMessage<T> =>
        GrpcFrameReader.ReadMessageAsync(HttpContext.Request.BodyReader, parser, _options.MaxReceiveMessageSize, _requestEncoding, cancellationToken);

    public async Task WriteResponseHeadersAsync(Metadata headers)
    {
        await _writeLock.WaitAsync(CancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfCompleted();
            if (_headersSent || HttpContext.Response.HasStarted)
            {
                throw new InvalidOperationException("Response headers can be written only once, before the first message.");
            }

            ApplyResponseHeaders(headers);
            await HttpContext.Response.StartAsync(CancellationToken).ConfigureAwait(false);
            await HttpContext.Response.BodyWriter.FlushAsync(CancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task WriteMessageAsync(IMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var token = cancellationToken.CanBeCanceled ? cancellationToken : CancellationToken;
        await _writeLock.WaitAsync(token).ConfigureAwait(false);
        try
        {
            ThrowIfCompleted();
            if (!_headersSent)
            {
                ApplyResponseHeaders(null);
            }

            var writer = HttpContext.Response.BodyWriter;
            GrpcFrameWriter.Write(writer, message, _options.MaxSendMessageSize, _responseEncoding, _options.ResponseCompressionLevel);
            // Flush per message: a streamed reply must reach the client as it is produced, not when a buffer fills.
            await writer.FlushAsync(token).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Sends the status (Trailers-Only when nothing was sent yet) and ends the response; only the first call counts.</summary>
    public async Task CompleteAsync(Status status, Metadata trailers)
    {
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_completed)
            {
                return;
            }

            _completed = true;
            var response = HttpContext.Response;
            if (status.StatusCode != StatusCode.OK)
            {
                GrpcServerLog.RpcErrorStatus(_logger, Context.Method, status.StatusCode, status.Detail);
            }

            try
            {
                if (!response.HasStarted)
                {
                    // Trailers-Only (PROTOCOL-HTTP2.md): one HEADERS frame with END_STREAM carries the status.
                    TrailersOnlyResponse.Set(response, status.StatusCode, status.Detail);
                    if (status.DetailsBytes is { } details)
                    {
                        response.Headers[GrpcProtocol.StatusDetailsHeader] = MetadataHeaders.EncodeBinary(details);
                    }

                    response.Headers[GrpcProtocol.AcceptEncodingHeader] = GrpcCompression.AcceptEncoding;
                    foreach (var entry in trailers)
                    {
                        response.Headers.Append(entry.Key, MetadataHeaders.ToHeaderValue(entry));
                    }
                }
                else
                {
                    TrailersOnlyResponse.AppendTrailers(response, status.StatusCode, status.Detail);

                    if (status.DetailsBytes is { } details)
                    {
                        response.AppendTrailer(GrpcProtocol.StatusDetailsHeader, MetadataHeaders.EncodeBinary(details));
                    }

                    foreach (var entry in trailers)
                    {
                        response.AppendTrailer(entry.Key, MetadataHeaders.ToHeaderValue(entry));
                    }
                }

                await response.CompleteAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or InvalidOperationException)
            {
                GrpcServerLog.CompleteFailed(_logger, Context.Method, ex);
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Task? deadlineTask;
        lock (_stateLock)
        {
            _finished = true;
            deadlineTask = _deadlineTask;
        }

        _deadlineTimer?.Dispose();
        if (deadlineTask is not null)
        {
            await deadlineTask.ConfigureAwait(false);
        }

        _cts.Dispose();
    }

    private void OnDeadline()
    {
        lock (_stateLock)
        {
            if (_finished)
            {
                return;
            }

            _deadlineExceeded = true;
            _deadlineTask = DeadlineExceededAsync();
        }
    }

    private async Task DeadlineExceededAsync()
    {
        // Let the current synchronous caller (the timer) return before cancelling handlers' callbacks.
        await Task.Yield();
        GrpcServerLog.DeadlineExceeded(_logger, Context.Method, Context.Deadline);
        try
        {
            await _cts.CancelAsync().ConfigureAwait(false);
        }
        catch (AggregateException)
        {
            // A handler's cancellation callback threw; the call still ends with DEADLINE_EXCEEDED below.
        }

        await CompleteAsync(new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"), Context.ResponseTrailers).ConfigureAwait(false);
    }

    private void ThrowIfCompleted()
    {
        if (_completed)
        {
            if (_deadlineExceeded)
            {
                throw new RpcException(new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"));
            }

            throw new InvalidOperationException("The call has already completed.");
        }
    }

    private void ApplyResponseHeaders(Metadata? headers)
    {
        _headersSent = true;
        var response = HttpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrpcProtocol.ContentType;
        if (_responseEncoding is not null)
        {
            response.Headers[GrpcProtocol.EncodingHeader] = _responseEncoding;
        }

        response.Headers[GrpcProtocol.AcceptEncodingHeader] = GrpcCompression.AcceptEncoding;
        if (headers is not null)
        {
            foreach (var entry in headers)
            {
                response.Headers.Append(entry.Key, MetadataHeaders.ToHeaderValue(entry));
            }
        }
    }

    private static string? ChooseResponseEncoding(string? configured, string acceptEncoding)
    {
        if (configured is null || acceptEncoding.Length == 0)
        {
            return null;
        }

        foreach (var part in acceptEncoding.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (part.Equals(configured, StringComparison.OrdinalIgnoreCase))
            {
                return GrpcCompression.Normalize(configured);
            }
        }

        return null;
    }
}
