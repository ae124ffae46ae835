using System.Buffers;
using System.Globalization;
using Google.Protobuf.Reflection;
using MeshProxy.Configuration;
using MeshProxy.Grpc;
using MeshProxy.Grpc.Framing;
using MeshProxy.Observability;
using MeshProxy.Routing;
using MeshProxy.TrafficPolicy;
using MeshProxy.Transcoding.Descriptors;
using MeshProxy.Transcoding.Json;
using MeshProxy.Transcoding.Rest;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace MeshProxy.Browser;

/// <summary>
/// The Connect protocol (connectrpc.com/docs/protocol) on the REST listener: a unary POST of <c>application/json</c> or
/// <c>application/proto</c>, or a server-streaming POST of <c>application/connect+json</c> / <c>+proto</c> envelopes,
/// to <c>/pkg.Service/Method</c>, run as the same gRPC call the gRPC listener would make (through
/// <see cref="GrpcProxyEndpoint"/> on an <see cref="InnerGrpcContext"/>, as REST transcoding does), and answered in
/// Connect's shapes: the bare message or a JSON error with the mapped HTTP status for unary calls, enveloped messages and
/// an end-of-stream JSON object for streams. JSON goes through our ProtoJSON codec with the descriptor sets of the
/// <c>transcoding:</c> section; proto passes through untouched.
/// </summary>
internal sealed class ConnectEndpoint
{
    private const string ProtocolVersionHeader = "connect-protocol-version";
    private const string TimeoutHeader = "connect-timeout-ms";
    private const string StreamEncodingHeader = "connect-content-encoding";

    // Response messages larger than this are refused, as the REST transcoder does.
    private const int MaxResponseMessageBytes = 64 * 1024 * 1024;

    // Headers of the Connect request that are protocol or browser plumbing, not gRPC metadata.
    private static readonly string[] NotMetadata =
    [
        "host", "connection", "keep-alive", "transfer-encoding", "upgrade", "te", "trailer", "expect", "accept", "accept-encoding",
        "accept-language", "origin", "referer", "cookie", "user-agent", "priority", "content-type", "content-length", "content-encoding",
    ];

    private readonly GrpcCallTelemetry _telemetry;
    private readonly Func<HttpContext, ValueTask> _forward;
    private readonly TranscodingSnapshotProvider _transcoding;
    private readonly ILogger _logger;

    public ConnectEndpoint(GrpcProxyEndpoint grpc, GrpcCallTelemetry telemetry, TranscodingSnapshotProvider transcoding, ILogger<ConnectEndpoint> logger)
    {
        _forward = grpc.InvokeAsync;
        _telemetry = telemetry;
        _transcoding = transcoding;
        _logger = logger;
    }

    /// <summary>
    /// Whether a request on the REST listener is a Connect call: a POST to a gRPC method path with a Connect streaming
    /// content type, <c>application/proto</c>, or <c>application/json</c> together with <c>connect-protocol-version</c>
    /// (which Connect clients always send). A JSON POST without it stays with REST transcoding.
    /// </summary>
    public static bool TryClassify(HttpRequest request, out ConnectCall call)
    {
        call = default;
        if (!HttpMethods.IsPost(request.Method) || !IsMethodPath(request.Path.Value) || request.ContentType is not { } contentType)
        {
            return false;
        }

        var media = contentType.AsSpan();
        var semicolon = media.IndexOf(';');
        media = (semicolon < 0 ? media : media[..semicolon]).Trim();
        if (media.Equals("application/connect+json", StringComparison.OrdinalIgnoreCase))
        {
            call = new ConnectCall(Json: true, Streaming: true);
        }
        else if (media.Equals("application/connect+proto", StringComparison.OrdinalIgnoreCase))
        {
            call = new ConnectCall(Json: false, Streaming: true);
        }
        else if (media.Equals("application/proto", StringComparison.OrdinalIgnoreCase))
        {
            call = new ConnectCall(Json: false, Streaming: false);
        }
        else if (media.Equals("application/json", StringComparison.OrdinalIgnoreCase) && request.Headers.ContainsKey(ProtocolVersionHeader))
        {
            call = new ConnectCall(Json: true, Streaming: false);
        }
        else
        {
            return false;
        }

        return true;
    }

    public async Task InvokeAsync(HttpContext context, ConnectCall call, BrowserConfig config)
    {
        var request = context.Request;
        var path = request.Path.Value!;

        // 1. Protocol checks: version, compression, timeout (Connect protocol, "Requests").
        if (request.Headers[ProtocolVersionHeader] is { Count: > 0 } version && version.ToString() != "1")
        {
            await FailAsync(context, call, StatusCode.InvalidArgument, $"connect-protocol-version must be 1, not '{version}'").ConfigureAwait(false);
            return;
        }

        var encoding = call.Streaming ? request.Headers[StreamEncodingHeader] : request.Headers.ContentEncoding;
        if (encoding.Count > 0 && !string.Equals(encoding.ToString(), "identity", StringComparison.OrdinalIgnoreCase))
        {
            context.Response.Headers[call.Streaming ? "connect-accept-encoding" : "accept-encoding"] = "identity";
            await FailAsync(context, call, StatusCode.Unimplemented, $"request encoding '{encoding}' is not supported; send identity").ConfigureAwait(false);
            return;
        }

        string? grpcTimeout = null;
        if (request.Headers[TimeoutHeader] is { Count: > 0 } timeoutText)
        {
            // At most 10 digits of milliseconds (the spec's grammar); grpc-timeout carries up to 8 digits, so long
            // timeouts are sent in seconds.
            var text = timeoutText.ToString();
            if (text.Length is 0 or > 10 || !long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
            {
                await FailAsync(context, call, StatusCode.InvalidArgument, $"connect-timeout-ms must be 1 to 10 digits, not '{text}'").ConfigureAwait(false);
                return;
            }

            grpcTimeout = GrpcTimeout.Format(TimeSpan.FromMilliseconds(ms));
        }

        // 2. For JSON, the method's message types from the descriptor sets; for proto nothing is needed (bytes pass through).
        var snapshot = _transcoding.Current;
        MessageType? input = null;
        MessageType? output = null;
        var method = FindMethod(snapshot?.Pool, path);
        if (method is not null && (method.IsClientStreaming || method.IsServerStreaming != call.Streaming))
        {
            var kind = method.IsClientStreaming ? "client- or bidi-streaming (not callable from a browser)" : method.IsServerStreaming ? "server-streaming: send application/connect+json or +proto" : "unary: send application/json or application/proto";
            await FailAsync(context, call, StatusCode.Unimplemented, $"{path} is {kind}").ConfigureAwait(false);
            return;
        }

        if (call.Json)
        {
            if (method is null)
            {
                await FailAsync(context, call, StatusCode.Unimplemented, snapshot?.Pool is null
                    ? $"JSON needs the descriptor sets of the transcoding section, which this sidecar does not load; send application/proto"
                    : $"no method {path} in the descriptor sets").ConfigureAwait(false);
                return;
            }

            input = snapshot!.Pool!.FindMessage(method.InputType.FullName);
            output = snapshot.Pool.FindMessage(method.OutputType.FullName);
        }

        // 3. The request message, framed for gRPC.
        var frame = await ReadRequestAsync(context, call, config, input, snapshot).ConfigureAwait(false);
        if (frame is null)
        {
            return;
        }

        // 4. The gRPC call on a layered context; the response is captured and rewritten in Connect's shape.
        var headers = GrpcHeaders(request, grpcTimeout);
        var writer = new ConnectResponseWriter(context, call, output, snapshot?.FormatOptions);
        var capture = new UpstreamResponseCapture(context.Response, MaxResponseMessageBytes, writer.OnMessageAsync);
        writer.Attach(capture);
        try
        {
            var inner = InnerGrpcContext.Create(context, path, headers, frame, capture);
            InnerGrpcContext.ShareRequestId(context, inner);

            await _telemetry.InvokeAsync(inner, _forward, () => writer.FinishAsync(inner.Features.Get<ProxyCall>() is { DeadlineExpired: true })).ConfigureAwait(false);
        }
        finally
        {
            capture.Release();
        }
    }

    private async Task<byte[]?> ReadRequestAsync(HttpContext context, ConnectCall call, BrowserConfig config, MessageType? input, TranscodingSnapshot? snapshot)
    {
        var request = context.Request;
        var max = config.MaxRequestBodyBytes;

        // A streaming body is one envelope (5 bytes of prefix, then the message) for a server-streaming call.
        var limit = call.Streaming ? max + GrpcProtocol.MessagePrefixLength : max;
        var (body, code, error) = await WholeRequestBody.ReadAsync(request, limit).ConfigureAwait(false);
        if (body is null)
        {
            if (!context.RequestAborted.IsCancellationRequested)
            {
                await FailAsync(context, call, code, error ?? string.Empty).ConfigureAwait(false);
            }

            return null;
        }

        var message = new ReadOnlySequence<byte>(body);
        if (call.Streaming)
        {
            if (Unenvelope(message, out var payload) is { } envelopeError)
            {
                await FailAsync(context, call, StatusCode.InvalidArgument, envelopeError).ConfigureAwait(false);
                return null;
            }

            message = payload;
        }

        var output = new ArrayBufferWriter<byte>((int)Math.Min(message.Length + GrpcProtocol.MessagePrefixLength, 4096));
        GrpcMessagePrefix.Reserve(output);
        if (input is null)
        {
            foreach (var segment in message)
            {
                output.Write(segment.Span);
            }
        }
        else
        {
            var converted = ProtoJsonCodec.JsonToBinary(message, input, output, snapshot?.BuildOptions.Json);
            if (!converted.IsSuccess)
            {
                await FailAsync(context, call, StatusCode.InvalidArgument, $"invalid JSON for {input.FullName}: {converted.Error}").ConfigureAwait(false);
                return null;
            }
        }

        var frame = output.WrittenSpan.ToArray();
        GrpcMessagePrefix.Complete(frame);
        return frame;
    }

    /// <summary>The one message of a streaming request body (Connect protocol, "Streaming-Request"); an error text when it is not exactly one uncompressed envelope.</summary>
    private static string? Unenvelope(ReadOnlySequence<byte> body, out ReadOnlySequence<byte> payload)
    {
        payload = default;
        if (!GrpcMessagePrefix.TryRead(body, out var flag, out var length))
        {
            return body.Length == 0 ? "the request stream holds no message" : "the request stream ends inside an envelope prefix";
        }

        // A request envelope carries no end-stream flag, and compression was refused with the encoding header.
        if (flag != 0)
        {
            return $"unexpected envelope flags 0x{flag:x2} in the request stream";
        }

        if (body.Length - GrpcProtocol.MessagePrefixLength != length)
        {
            return body.Length - GrpcProtocol.MessagePrefixLength < length
                ? "the request stream ends inside a message"
                : "a server-streaming call takes exactly one request message";
        }

        payload = body.Slice(GrpcProtocol.MessagePrefixLength);
        return null;
    }

    private static IHeaderDictionary GrpcHeaders(HttpRequest request, string? grpcTimeout)
    {
        IHeaderDictionary headers = new HeaderDictionary
        {
            ["content-type"] = GrpcProtocol.ContentType,
            [GrpcProtocol.TeHeader] = GrpcProtocol.TeTrailers,

            // Messages come back uncompressed, so each can be rewritten as it arrives.
            [GrpcProtocol.AcceptEncodingHeader] = "identity",
        };
        if (request.Headers.Host is { Count: > 0 } host)
        {
            headers["host"] = host;
        }

        // Every other request header is metadata (Connect protocol: "Custom-Metadata"), binary ones already base64 with -bin.
        foreach (var (name, values) in request.Headers)
        {
            if (!IsMetadata(name))
            {
                continue;
            }

            headers[name.ToLowerInvariant()] = values;
        }

        if (grpcTimeout is not null)
        {
            headers[GrpcProtocol.TimeoutHeader] = grpcTimeout;
        }

        return headers;
    }

    private static bool IsMetadata(string name)
    {
        if (GrpcProtocol.IsReservedHeader(name) || name.StartsWith("connect-", StringComparison.OrdinalIgnoreCase)
            || name.StartsWith("sec-", StringComparison.OrdinalIgnoreCase) || name.StartsWith("access-control-", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        foreach (var excluded in NotMetadata)
        {
            if (name.Equals(excluded, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        return true;
    }

    private static MethodDescriptor? FindMethod(DescriptorPool? pool, string path)
    {
        var slash = path.LastIndexOf('/');
        return pool?.FindService(path[1..slash])?.FindMethodByName(path[(slash + 1)..]);
    }

    private static bool IsMethodPath(string? path) =>
        path is { Length: > 3 } && path[0] == '/' && path.IndexOf('/', 1) is var slash && slash > 1 && slash < path.Length - 1
        && path.IndexOf('/', slash + 1) < 0;

    private Task FailAsync(HttpContext context, ConnectCall call, StatusCode code, string message)
    {
        BrowserLog.ConnectRefused(_logger, context.Request.Path.Value ?? string.Empty, code, message);
        return call.Streaming ? ConnectResponseWriter.WriteStreamErrorAsync(context.Response, code, message) : ConnectError.WriteResponseAsync(context.Response, code, message);
    }
}

/// <summary>What kind of Connect call a request is: its codec, and unary or streaming.</summary>
internal readonly record struct ConnectCall(bool Json, bool Streaming)
{
    public string ContentType => (Json, Streaming) switch
    {
        (true, false) => "application/json",
        (false, false) => "application/proto",
        (true, true) => "application/connect+json",
        (false, true) => "application/connect+proto",
    };
}
