using System.Buffers;
using System.IO.Pipelines;
using MeshProxy.Grpc;
using MeshProxy.Grpc.Framing;
using MeshProxy.Observability;
using MeshProxy.Observability.Metrics;
using MeshProxy.Routing;
using MeshProxy.Security.Authorization;
using MeshProxy.TrafficPolicy;
using MeshProxy.TrafficPolicy.Overload;
using MeshProxy.Transcoding.Rules;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace MeshProxy.Transcoding.Rest;

/// <summary>
/// The request handler of the REST listener: match the HTTP rule, build the gRPC request, and run the call through
/// <see cref="GrpcProxyEndpoint"/> exactly as a native gRPC call to that method (same route table, canary split,
/// policies and deadline), the way Envoy's grpc_json_transcoder filter sits in front of its router. The REST
/// request is presented to the gRPC endpoint as an HTTP/2 gRPC request through replaced features on a layered
/// context (<see cref="InnerFeatureCollection"/> over the connection's): the gRPC side sees POST :path
/// /pkg.Service/Method with gRPC frames as its body, and what it writes back is captured, converted and written to
/// the real response.
/// </summary>
internal sealed class RestTranscodingEndpoint
{
    /// <summary>GET on this path serves the OpenAPI document of the live rules.</summary>
    public const string OpenApiPath = "/openapi.json";

    // Response messages larger than this are refused: the JSON written from them can only be larger.
    private const int MaxResponseMessageBytes = 64 * 1024 * 1024;

    private const int InnerHeaderCapacity = 8;

    private readonly GrpcCallTelemetry _telemetry;
    private readonly MeshProxyMetrics _metrics;
    private readonly Func<HttpContext, ValueTask> _forward;
    private readonly TranscodingSnapshotProvider _snapshots;
    private readonly ILogger _logger;
    private readonly RestEdgeGuard? _edge;

    public RestTranscodingEndpoint(GrpcProxyEndpoint grpc, GrpcCallTelemetry telemetry, MeshProxyMetrics metrics, TranscodingSnapshotProvider snapshots, ILogger<RestTranscodingEndpoint> logger, RestEdgeGuard? edge = null)
    {
        _edge = edge;
        _telemetry = telemetry;
        _metrics = metrics;
        _forward = grpc.InvokeAsync;
        _snapshots = snapshots;
        _logger = logger;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        // 1. One snapshot for the whole call; GET /openapi.json serves the live rules.
        var snapshot = _snapshots.Current;
        var rawPath = RawPath(context);
        if (snapshot is not null && rawPath == OpenApiPath && (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)))
        {
            await WriteOpenApiAsync(context, snapshot).ConfigureAwait(false);
            return;
        }

        // 2. The HTTP rule.
        if (await MatchAsync(context, snapshot, rawPath).ConfigureAwait(false) is not { } match)
        {
            return;
        }

        if (RestRequestPreflight.Check(context.Request, match.Binding!) is { } refusal)
        {
            await RefuseAsync(context, refusal.HttpStatus, refusal.Message).ConfigureAwait(false);
            return;
        }

        // Bearer JWT and authorization policies (by the gRPC method the rule maps to), before the body is read.
        if (_edge is not null && !await _edge.AdmitAsync(context, match.Binding!.GrpcPath).ConfigureAwait(false))
        {
            return;
        }

        // Before the body is read: whether the access log takes this call, and if so its byte counts.
        _telemetry.BeginTranscodedCall(context);

        // 3. The request body of the gRPC call: one framed message, or frames produced as the JSON stream arrives.
        if (await RequestBodyAsync(context, snapshot!, match).ConfigureAwait(false) is not { } body)
        {
            return;
        }

        // 4. Run the call through the gRPC endpoint on a layered context, and write the REST response.
        await RunAsync(context, snapshot!, match.Binding!, body).ConfigureAwait(false);
    }

    /// <summary>The rule the request matches, or null once a 404 or 405 is written.</summary>
    private async ValueTask<RuleMatch?> MatchAsync(HttpContext context, TranscodingSnapshot? snapshot, string rawPath)
    {
        var method = context.Request.Method;
        var match = snapshot?.Table.Match(method, rawPath);
        switch (match?.Kind)
        {
            case null or RuleMatchKind.NotFound:
                await RefuseAsync(context, StatusCodes.Status404NotFound, $"no REST route for {method} {rawPath}").ConfigureAwait(false);
                return null;
            case RuleMatchKind.MethodNotAllowed:
                await RefuseAsync(context, StatusCodes.Status405MethodNotAllowed, $"{method} is not allowed on {rawPath}", match.Value.Allow).ConfigureAwait(false);
                return null;
            default:
                return match;
        }
    }

    /// <summary>The gRPC request body for the rule's binding; null once a refusal is written.</summary>
    private async ValueTask<GrpcRequestBody?> RequestBodyAsync(HttpContext context, TranscodingSnapshot snapshot, RuleMatch match)
    {
        var request = context.Request;
        var binding = match.Binding!;
        if (binding.ClientStreaming && RequestMessageBuilder.IsHttpBodyBinding(binding))
        {
            // Raw bytes into a stream of HttpBody messages (Envoy's behaviour): the limit applies per chunk, which is
            // never larger than it, so the upload as a whole is unbounded.
            LiftBodySizeLimit(context);
            return new GrpcRequestBody(null, new RawStreamRequestBody(request.BodyReader, binding, match.Variables, request.QueryString, request.ContentType, snapshot.BuildOptions, snapshot.Config.MaxRequestBodyBytes));
        }

        if (binding.ClientStreaming)
        {
            if (!IsJsonStream(request.ContentType))
            {
                await RefuseAsync(context, StatusCodes.Status415UnsupportedMediaType, $"a streaming request body must be a JSON array or newline-delimited JSON, not {request.ContentType}").ConfigureAwait(false);
                return null;
            }

            // The limit applies per message (each JSON value); the stream as a whole may be long.
            LiftBodySizeLimit(context);
            return new GrpcRequestBody(null, new JsonStreamRequestBody(request.BodyReader, binding, match.Variables, request.QueryString, snapshot.BuildOptions, snapshot.Config.MaxRequestBodyBytes));
        }

        var frame = await ReadRequestAsync(context, snapshot, binding, match.Variables).ConfigureAwait(false);
        return frame is null ? null : new GrpcRequestBody(frame, null);
    }

    /// <summary>
    /// Runs the call through the gRPC endpoint, wrapped by the same telemetry as the gRPC listener's (request id, span,
    /// call metrics and access log see the inner call). The REST response is written inside the call so that its
    /// access log line counts the bytes sent.
    /// </summary>
    private async Task RunAsync(HttpContext context, TranscodingSnapshot snapshot, HttpBinding binding, GrpcRequestBody body)
    {
        var writer = new RestResponseWriter(context, binding, snapshot, _logger);
        var capture = new UpstreamResponseCapture(context.Response, MaxResponseMessageBytes, writer.OnMessageAsync);
        writer.Attach(capture);
        try
        {
            var inner = CreateInnerContext(context, binding, snapshot, body, capture);
            InnerGrpcContext.ShareRequestId(context, inner);
            await _telemetry.InvokeAsync(inner, _forward, () =>
            {
                var expired = inner.Features.Get<ProxyCall>() is { DeadlineExpired: true };
                return writer.FinishAsync(capture, body.Streamed?.Error, expired);
            }).ConfigureAwait(false);
            _metrics.RecordTranscoding(RefusedCall.Labels(inner, inner.Features.Get<ProxyCall>()).Route, context.Response.StatusCode);
        }
        finally
        {
            // No read of the REST body may outlive the call (StreamedRequestBody): Kestrel drains the rest of it next.
            if (body.Streamed is { } streamed)
            {
                await streamed.SettleAsync().ConfigureAwait(false);
                await streamed.DisposeAsync().ConfigureAwait(false);
            }

            capture.Release();
        }
    }

    private static void LiftBodySizeLimit(HttpContext context)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = null;
        }
    }

    private static HttpContext CreateInnerContext(HttpContext context, HttpBinding binding, TranscodingSnapshot snapshot, GrpcRequestBody body, UpstreamResponseCapture capture)
    {
        // Sized for the protocol's four and a few forwarded ones, so filling it never regrows it.
        IHeaderDictionary headers = new HeaderDictionary(InnerHeaderCapacity)
        {
            ["content-type"] = GrpcProtocol.ContentType,
            [GrpcProtocol.TeHeader] = GrpcProtocol.TeTrailers,

            // Messages come back uncompressed, so each one can be printed as it arrives.
            [GrpcProtocol.AcceptEncodingHeader] = "identity",
        };
        if (context.Request.Headers.Host is { Count: > 0 } host)
        {
            headers["host"] = host;
        }

        RestHeaderMapping.ToGrpc(context.Request.Headers, headers, snapshot.Config.ForwardedHeaderPrefixes);

        return body.Frame is { } frame
            ? InnerGrpcContext.Create(context, binding.GrpcPath, headers, frame, capture)
            : InnerGrpcContext.Create(context, binding.GrpcPath, headers, body.Streamed!, capture);
    }

    /// <summary>Reads the body within the limit and builds the framed request message; null once a refusal is written.</summary>
    private async Task<byte[]?> ReadRequestAsync(HttpContext context, TranscodingSnapshot snapshot, HttpBinding binding, IReadOnlyList<PathVariable> variables)
    {
        var request = context.Request;
        var max = snapshot.Config.MaxRequestBodyBytes;
        if (request.ContentLength > max)
        {
            RestErrorResponse.CloseConnection(context.Response);
            await RefuseAsync(context, StatusCodes.Status413PayloadTooLarge, $"the request body of {request.ContentLength} bytes is larger than the limit of {max}").ConfigureAwait(false);
            return null;
        }

        var reader = request.BodyReader;
        ReadResult result;
        try
        {
            while (true)
            {
                result = await reader.ReadAsync(context.RequestAborted).ConfigureAwait(false);
                if (result.Buffer.Length > max)
                {
                    reader.AdvanceTo(result.Buffer.End);
                    RestErrorResponse.CloseConnection(context.Response);
                    await RefuseAsync(context, StatusCodes.Status413PayloadTooLarge, $"the request body is larger than the limit of {max} bytes").ConfigureAwait(false);
                    return null;
                }

                if (result.IsCompleted)
                {
                    break;
                }

                reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            }
        }
        catch (BadHttpRequestException ex)
        {
            await RefuseAsync(context, ex.StatusCode, ex.Message).ConfigureAwait(false);
            return null;
        }

        try
        {
            var output = new ArrayBufferWriter<byte>(256);
            GrpcMessagePrefix.Reserve(output);
            var error = RequestMessageBuilder.Build(binding, variables, request.QueryString, result.Buffer, request.ContentType, snapshot.BuildOptions, output);
            if (error is not null)
            {
                await RefuseAsync(context, error.HttpStatus, error.Message).ConfigureAwait(false);
                return null;
            }

            var frame = output.WrittenSpan.ToArray();
            GrpcMessagePrefix.Complete(frame);
            return frame;
        }
        finally
        {
            reader.AdvanceTo(result.Buffer.End);
        }
    }

    private Task RefuseAsync(HttpContext context, int status, string message, string? allow = null)
    {
        _metrics.RecordTranscodingError(string.Empty, status is StatusCodes.Status404NotFound or StatusCodes.Status405MethodNotAllowed ? "route" : "request");
        TranscodingLog.RequestRefused(_logger, context.Request.Method, context.Request.Path.Value ?? string.Empty, status, message);
        return RestErrorResponse.WriteAsync(context, status, message, allow);
    }

    private static async Task WriteOpenApiAsync(HttpContext context, TranscodingSnapshot snapshot)
    {
        var document = snapshot.OpenApi;
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.ContentLength = document.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await context.Response.Body.WriteAsync(document, context.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <summary>JSON, NDJSON / JSON Lines, any <c>+json</c> type, or no content type at all.</summary>
    private static bool IsJsonStream(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType))
        {
            return true;
        }

        var mediaType = contentType.AsSpan();
        var parameters = mediaType.IndexOf(';');
        mediaType = (parameters < 0 ? mediaType : mediaType[..parameters]).Trim();
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || mediaType.Equals("application/x-ndjson", StringComparison.OrdinalIgnoreCase)
            || mediaType.Equals("application/jsonl", StringComparison.OrdinalIgnoreCase)
            || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The path as received, still percent-encoded, without the query (what the rule templates match).</summary>
    private static string RawPath(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(raw))
        {
            return context.Request.Path.Value ?? "/";
        }

        if (!raw.StartsWith('/'))
        {
            // absolute-form (RFC 9112, 3.2.2): keep the path of the URI.
            return Uri.TryCreate(raw, UriKind.Absolute, out var uri) ? uri.GetComponents(UriComponents.Path | UriComponents.KeepDelimiter, UriFormat.UriEscaped) : "/";
        }

        var query = raw.IndexOf('?', StringComparison.Ordinal);
        return query < 0 ? raw : raw[..query];
    }

    /// <summary>
    /// The inner call's request body: one whole framed message, or the streaming reader that produces frames as the
    /// REST body arrives (whose error the response reports).
    /// </summary>
    private sealed record GrpcRequestBody(byte[]? Frame, StreamedRequestBody? Streamed);
}
