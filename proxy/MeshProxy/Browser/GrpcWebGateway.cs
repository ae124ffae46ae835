using MeshProxy.Configuration;
using MeshProxy.Grpc;
using MeshProxy.Observability;
using MeshProxy.Routing;
using MeshProxy.Transcoding.Rest;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace MeshProxy.Browser;

/// <summary>
/// gRPC-Web (PROTOCOL-WEB.md) on the REST listener: the call is presented to the gRPC listener's own pipeline
/// (<see cref="GrpcCallTelemetry"/> around <see cref="GrpcProxyEndpoint"/>) as an HTTP/2 <c>application/grpc</c> call,
/// so routes, canary splits, retries, outlier detection, deadlines and metrics are exactly the gRPC listener's; the
/// response is rewritten on the way out by <see cref="GrpcWebResponse"/> (content type, base64 for text, trailers
/// into the body).
/// </summary>
/// <remarks>
/// Ours rather than Grpc.AspNetCore.Web 2.85.0's middleware, which was tried first (DefaultEnabled, in front of this
/// same pipeline) and does not compose with the forwarder (YARP's then; ours reads and writes the same way): (1) it
/// decodes a text request on IRequestBodyPipeFeature only, while the forwarder copies <see cref="HttpRequest.Body"/>,
/// so base64 text went upstream as frames; read through a stream instead, its Base64PipeReader threw "Unexpected end
/// of data when reading base64 content" on every call, because the copy starts with a zero-byte read; (2) its
/// Base64PipeWriter threw ArgumentOutOfRangeException (BuffersExtensions.WriteMultiSegment) on the forwarder's
/// response writes. So every <c>grpc-web-text</c> call failed, with the grpc-web npm client and with curl; only binary
/// calls worked. What remains to do is small: a request read whole (browsers send whole bodies) and checked, and the
/// response feature.
/// </remarks>
internal sealed class GrpcWebGateway
{
    private const string TextContentType = "application/grpc-web-text";
    private const string BinaryContentType = "application/grpc-web";

    private readonly GrpcCallTelemetry _telemetry;
    private readonly Func<HttpContext, ValueTask> _forward;
    private readonly ProxySnapshotProvider _snapshots;
    private readonly ILogger _logger;

    public GrpcWebGateway(GrpcProxyEndpoint grpc, GrpcCallTelemetry telemetry, ProxySnapshotProvider snapshots, ILogger<GrpcWebGateway> logger)
    {
        _forward = grpc.InvokeAsync;
        _telemetry = telemetry;
        _snapshots = snapshots;
        _logger = logger;
    }

    /// <summary>True for a POST whose content type is gRPC-Web, binary or text, with any <c>+codec</c> suffix.</summary>
    public static bool Handles(HttpRequest request) =>
        HttpMethods.IsPost(request.Method) && request.ContentType is { } type && type.StartsWith(BinaryContentType, StringComparison.OrdinalIgnoreCase)
        && (type.Length == BinaryContentType.Length || type[BinaryContentType.Length] is '+' or ';' or '-');

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        var contentType = request.ContentType!;
        var text = contentType.StartsWith(TextContentType, StringComparison.OrdinalIgnoreCase);
        var suffix = Suffix(contentType, text ? TextContentType : BinaryContentType);
        if (suffix.Length > 0 && suffix != "+proto")
        {
            // The backend would be handed a codec it cannot know is not protobuf; say so rather than let it fail oddly.
            await RefuseAsync(context, text, StatusCode.Unimplemented, $"{contentType} is not supported: the sidecar forwards protobuf gRPC-Web only").ConfigureAwait(false);
            return;
        }

        // 1. The request, whole and checked (unary and server-streaming calls send one message).
        var max = _snapshots.Current?.Config.Browser?.MaxRequestBodyBytes ?? new BrowserConfig().MaxRequestBodyBytes;
        var (frames, code, error) = await GrpcWebRequestBody.ReadAsync(request, text, max).ConfigureAwait(false);
        if (frames is null)
        {
            if (!context.RequestAborted.IsCancellationRequested)
            {
                await RefuseAsync(context, text, code, error ?? string.Empty).ConfigureAwait(false);
            }

            return;
        }

        // 2. Present it as the gRPC call it stands for (PROTOCOL-WEB.md: the same call over HTTP/2): the forwarder streams the
        //    request, sends "te: trailers" and completes the response only for HTTP/2 (see InnerGrpcContext).
        var protocol = request.Protocol;
        request.Protocol = HttpProtocol.Http2;
        request.ContentType = GrpcProtocol.ContentType + suffix;
        request.Body = new MemoryStream(frames, writable: false);
        context.Features.Set<IRequestBodyPipeFeature>(new WholeBodyPipeFeature(frames));
        request.ContentLength = frames.Length;

        // 3. The response: gRPC-Web content type (the Trailers-Only headers included), body and trailer frame.
        var response = GrpcWebResponse.Attach(context, text);
        context.Response.OnStarting(static state =>
        {
            var (context, protocol, contentType) = ((HttpContext, string, string))state;

            // Kestrel frames an HTTP/1.1 response by the request's protocol: give it back before the headers go.
            context.Request.Protocol = protocol;
            if (GrpcProtocol.IsGrpcContentType(context.Response.ContentType))
            {
                context.Response.ContentType = contentType;
            }

            return Task.CompletedTask;
        }, (context, protocol, (text ? TextContentType : BinaryContentType) + suffix));
        try
        {
            await _telemetry.InvokeAsync(context, _forward).ConfigureAwait(false);
            if (!context.RequestAborted.IsCancellationRequested)
            {
                await response.WriteTrailersAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            response.Detach();
        }
    }

    private Task RefuseAsync(HttpContext context, bool text, StatusCode code, string message)
    {
        BrowserLog.GrpcWebRefused(_logger, context.Request.Path.Value ?? string.Empty, code, message);
        TrailersOnlyResponse.Set(context.Response, code, message);
        context.Response.ContentType = text ? TextContentType : BinaryContentType;
        return context.Response.CompleteAsync();
    }

    private static string Suffix(string contentType, string baseType)
    {
        var rest = contentType.AsSpan(baseType.Length);
        var semicolon = rest.IndexOf(';');
        return (semicolon < 0 ? rest : rest[..semicolon]).Trim().ToString().ToLowerInvariant();
    }
}
