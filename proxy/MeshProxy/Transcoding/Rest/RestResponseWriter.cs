using System.Buffers;
using Google.Protobuf;
using MeshProxy.Grpc;
using MeshProxy.Observability;
using MeshProxy.Transcoding.Rules;
using MeshProxy.TrafficPolicy.Overload;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace MeshProxy.Transcoding.Rest;

/// <summary>
/// Writes the REST response of one transcoded call. A unary reply is held until the gRPC status is known (the HTTP
/// status depends on it). A server stream is written as each message arrives, flushed per message, in the
/// <see cref="RestStreamFormat"/> the caller asked for; a stream that fails before its first message still gets the
/// mapped HTTP status and a Status body, one that fails later ends with the format's error record (NDJSON, SSE) or, for
/// a JSON array or raw HttpBody, ends normally without its closing bracket or further bytes: never a reset, which would
/// lose messages already written.
/// </summary>
internal sealed class RestResponseWriter
{
    private static readonly byte[] NdJsonPrefix = "{\"result\":"u8.ToArray();
    private static readonly byte[] NdJsonSuffix = "}\n"u8.ToArray();
    private static readonly byte[] SsePrefix = "data: "u8.ToArray();
    private static readonly byte[] SseSuffix = "\n\n"u8.ToArray();

    private readonly HttpContext _context;
    private readonly HttpBinding _binding;
    private readonly TranscodingSnapshot _snapshot;
    private readonly RestStreamFormat _format;
    private readonly ILogger _logger;
    private readonly bool _httpBody;
    private readonly ArrayBufferWriter<byte> _scratch = new(256);
    private UpstreamResponseCapture? _capture;
    private byte[]? _unary;
    private int _messages;
    private bool _started;
    private string? _invalid;

    public RestResponseWriter(HttpContext context, HttpBinding binding, TranscodingSnapshot snapshot, ILogger logger)
    {
        _context = context;
        _binding = binding;
        _snapshot = snapshot;
        _logger = logger;
        _format = RestStreamFormats.From(context.Request.Headers.Accept);
        _httpBody = RestMessageJson.IsHttpBody(binding);
    }

    /// <summary>The capture whose headers become response metadata.</summary>
    public void Attach(UpstreamResponseCapture capture) => _capture = capture;

    /// <summary>Called by the capture for each upstream message, in order.</summary>
    public async ValueTask OnMessageAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        _messages++;
        if (!_binding.ServerStreaming)
        {
            // Unary: keep the first; a second one is a protocol error reported when the call ends.
            _unary ??= message.ToArray();
            return;
        }

        var response = _context.Response;
        if (_httpBody)
        {
            // Streamed HttpBody: the bytes of each message as they come; the first message sets the content type.
            if (!TryParseHttpBody(message.Span, out var body))
            {
                throw new IOException(_invalid);
            }

            if (!_started)
            {
                Start(body.ContentType.Length == 0 ? "application/octet-stream" : body.ContentType);
            }

            await response.BodyWriter.WriteAsync(body.Data.Memory, cancellationToken).ConfigureAwait(false);
            return;
        }

        _scratch.ResetWrittenCount();
        var result = RestMessageJson.Write(message.Span, _binding, _snapshot.FormatOptions, _scratch);
        if (!result.IsSuccess)
        {
            _invalid = result.Error!.ToString();
            TranscodingLog.UpstreamMessageInvalid(_logger, _binding.GrpcPath, _invalid);

            // Failing the write makes the forwarder cancel the upstream call; FinishAsync then reports the reason.
            throw new IOException(_invalid);
        }

        var first = !_started;
        if (first)
        {
            Start(RestStreamFormats.ContentType(_format));
        }

        var output = response.BodyWriter;
        switch (_format)
        {
            case RestStreamFormat.ServerSentEvents:
                output.Write(SsePrefix);
                output.Write(_scratch.WrittenSpan);
                output.Write(SseSuffix);
                break;
            case RestStreamFormat.JsonArray:
                output.Write(first ? "["u8 : ","u8);
                output.Write(_scratch.WrittenSpan);
                break;
            default:
                output.Write(NdJsonPrefix);
                output.Write(_scratch.WrittenSpan);
                output.Write(NdJsonSuffix);
                break;
        }

        // Each message reaches the caller as soon as it arrives (no buffering across messages).
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Ends the REST response once the inner call has returned.</summary>
    /// <param name="capture">What the inner call wrote.</param>
    /// <param name="requestError">Why a streamed request body was refused, if it was.</param>
    /// <param name="deadlineExpired">The call's deadline passed (the gRPC endpoint cuts a started stream without a status then).</param>
    public async Task FinishAsync(UpstreamResponseCapture capture, RequestBodyError? requestError, bool deadlineExpired)
    {
        if (_context.RequestAborted.IsCancellationRequested)
        {
            // The REST caller went away: nobody is left to answer.
            return;
        }

        var (httpStatus, status) = Outcome(capture, requestError, deadlineExpired);
        if (!_started)
        {
            if (status.Code == StatusCode.OK)
            {
                await WriteSuccessAsync(capture).ConfigureAwait(false);
                return;
            }

            if (requestError is not null)
            {
                // The streamed body was refused part way: the rest of it is not read.
                RestErrorResponse.CloseConnection(_context.Response);
            }

            AddMetadata(capture);
            OverloadRefusal.CopyToRest(capture.Headers, _context.Response.Headers);
            if (httpStatus == StatusCodes.Status401Unauthorized)
            {
                RestErrorResponse.AddChallenge(_context.Response, capture.Headers, capture.Trailers);
            }

            await RestErrorResponse.WriteAsync(_context, httpStatus, status.Code, status.Message, status.Details, _snapshot.Table.Pool, detailFormat: _snapshot.FormatOptions).ConfigureAwait(false);
            return;
        }

        var output = _context.Response.BodyWriter;
        if (status.Code == StatusCode.OK)
        {
            if (_format == RestStreamFormat.JsonArray && !_httpBody)
            {
                output.Write("]"u8);
            }

            await output.FlushAsync(_context.RequestAborted).ConfigureAwait(false);
            return;
        }

        TranscodingLog.StreamEndedWithError(_logger, _binding.GrpcPath, status.Code.ToString(), _messages);
        var statusJson = RestStatusBody.Create(status.Code, status.Message, status.Details, _snapshot.Table.Pool, _snapshot.FormatOptions);
        switch (_format)
        {
            case RestStreamFormat.ServerSentEvents when !_httpBody:
                output.Write("event: error\ndata: "u8);
                output.Write(statusJson);
                output.Write(SseSuffix);
                break;
            case RestStreamFormat.NdJson when !_httpBody:
                output.Write("{\"error\":"u8);
                output.Write(statusJson);
                output.Write(NdJsonSuffix);
                break;
            default:
                // A JSON array or raw HttpBody bytes have no place for the error. Aborting the connection (a TCP reset)
                // would make the client throw away messages it has not read yet, and Kestrel drops output not yet on
                // the socket, so the response ends normally (issue 12): the array stays unterminated, which no JSON
                // parser takes for a whole array; raw bytes just stop. The status is in the log and the call metrics.
                break;
        }

        await output.FlushAsync(_context.RequestAborted).ConfigureAwait(false);
    }

    private (int HttpStatus, UpstreamStatus Status) Outcome(UpstreamResponseCapture capture, RequestBodyError? requestError, bool deadlineExpired)
    {
        if (requestError is not null)
        {
            return (requestError.HttpStatus, new UpstreamStatus(HttpStatusMapping.ToGrpc(requestError.HttpStatus), requestError.Message, null));
        }

        if (_invalid is not null)
        {
            return (StatusCodes.Status502BadGateway, new UpstreamStatus(StatusCode.Internal, $"the upstream reply is not a valid {_binding.Output.FullName}: {_invalid}", null));
        }

        if (capture.FramingError is { } framing)
        {
            return (StatusCodes.Status502BadGateway, new UpstreamStatus(StatusCode.Internal, framing, null));
        }

        if (!UpstreamStatus.TryRead(capture.Trailers, capture.Headers, out var status))
        {
            if (deadlineExpired)
            {
                return (StatusCodes.Status504GatewayTimeout, new UpstreamStatus(StatusCode.DeadlineExceeded, "deadline exceeded at the proxy", null));
            }

            TranscodingLog.UpstreamWithoutStatus(_logger, _binding.GrpcPath, capture.StatusCode);
            var code = capture.StatusCode == StatusCodes.Status200OK ? StatusCode.Internal : HttpStatusMapping.ToGrpc(capture.StatusCode);
            return (StatusCodes.Status502BadGateway, new UpstreamStatus(code, $"the upstream answered HTTP {capture.StatusCode} without a grpc-status", null));
        }

        if (status.Code == StatusCode.OK && !_binding.ServerStreaming && _messages != 1)
        {
            // A unary call ends with exactly one message (PROTOCOL-HTTP2.md); anything else is the server's fault.
            return (StatusCodes.Status502BadGateway, new UpstreamStatus(StatusCode.Internal, $"the upstream sent {_messages} messages for a unary call", null));
        }

        return (HttpStatusMapping.FromGrpc(status.Code), status);
    }

    private async Task WriteSuccessAsync(UpstreamResponseCapture capture)
    {
        var response = _context.Response;
        if (_binding.ServerStreaming)
        {
            // An empty stream: the headers, and an empty array for the array format.
            Start(_httpBody ? "application/octet-stream" : RestStreamFormats.ContentType(_format));
            AddMetadata(capture.Trailers);
            if (_format == RestStreamFormat.JsonArray && !_httpBody)
            {
                response.BodyWriter.Write("[]"u8);
            }

            await response.BodyWriter.FlushAsync(_context.RequestAborted).ConfigureAwait(false);
            return;
        }

        ReadOnlyMemory<byte> body;
        string contentType;
        if (_httpBody)
        {
            if (!TryParseHttpBody(_unary, out var httpBody))
            {
                await RestErrorResponse.WriteAsync(_context, StatusCodes.Status502BadGateway, StatusCode.Internal, _invalid, null, null).ConfigureAwait(false);
                return;
            }

            body = httpBody.Data.Memory;
            contentType = httpBody.ContentType.Length == 0 ? "application/octet-stream" : httpBody.ContentType;
        }
        else
        {
            _scratch.ResetWrittenCount();
            var result = RestMessageJson.Write(_unary, _binding, _snapshot.FormatOptions, _scratch);
            if (!result.IsSuccess)
            {
                var reason = result.Error!.ToString();
                TranscodingLog.UpstreamMessageInvalid(_logger, _binding.GrpcPath, reason);
                await RestErrorResponse.WriteAsync(_context, StatusCodes.Status502BadGateway, StatusCode.Internal, $"the upstream reply is not a valid {_binding.Output.FullName}: {reason}", null, null).ConfigureAwait(false);
                return;
            }

            body = _scratch.WrittenMemory;
            contentType = "application/json; charset=utf-8";
        }

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = contentType;
        AddMetadata(capture);
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, _context.RequestAborted).ConfigureAwait(false);
    }

    private void Start(string contentType)
    {
        var response = _context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = contentType;
        if (_format == RestStreamFormat.ServerSentEvents)
        {
            response.Headers.CacheControl = "no-cache";
        }

        // Response headers are metadata; trailers come after the body and cannot become headers any more.
        if (_capture is not null)
        {
            RestHeaderMapping.FromGrpc(_capture.Headers, response.Headers, _snapshot.Config.ResponseMetadataPrefix);
        }

        _started = true;
    }

    private void AddMetadata(UpstreamResponseCapture capture)
    {
        RestHeaderMapping.FromGrpc(capture.Headers, _context.Response.Headers, _snapshot.Config.ResponseMetadataPrefix);
        AddMetadata(capture.Trailers);
    }

    private void AddMetadata(IHeaderDictionary trailers) =>
        RestHeaderMapping.FromGrpc(trailers, _context.Response.Headers, _snapshot.Config.ResponseMetadataPrefix);

    private bool TryParseHttpBody(ReadOnlySpan<byte> message, out Google.Api.HttpBody body)
    {
        try
        {
            body = Google.Api.HttpBody.Parser.ParseFrom(message);
            return true;
        }
        catch (InvalidProtocolBufferException ex)
        {
            _invalid = $"the upstream reply is not a valid google.api.HttpBody: {ex.Message}";
            TranscodingLog.UpstreamMessageInvalid(_logger, _binding.GrpcPath, _invalid);
            body = new Google.Api.HttpBody();
            return false;
        }
    }
}
