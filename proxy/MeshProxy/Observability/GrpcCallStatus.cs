using MeshProxy.Grpc;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;

namespace MeshProxy.Observability;

/// <summary>
/// The grpc-status a caller got, read after the call ended: from the response headers of a Trailers-Only reply, else
/// from the trailers, else derived from what happened to the HTTP/2 stream.
/// </summary>
internal static class GrpcCallStatus
{
    public static StatusCode Final(HttpContext context)
    {
        var response = context.Response;
        if (TryParse(response.Headers.GrpcStatus, out var status))
        {
            return status;
        }

        if (context.Features.Get<IHttpResponseTrailersFeature>()?.Trailers is { } trailers && TryParse(trailers.GrpcStatus, out status))
        {
            return status;
        }

        if (context.RequestAborted.IsCancellationRequested || Protection.CallerGone.IsMarked(context))
        {
            // The caller reset the stream or closed the connection (perhaps before Kestrel said so: the commit gate
            // marks it): it saw its own cancellation.
            return StatusCode.Cancelled;
        }

        return FromHttpStatus(response.StatusCode);
    }

    /// <summary>
    /// grpc/grpc doc/http-grpc-status-mapping.md: what a gRPC client reads from an HTTP status without grpc-status.
    /// A 200 without any grpc-status is a stream that was reset after it started: INTERNAL, as grpc-go reports it.
    /// </summary>
    public static StatusCode FromHttpStatus(int status) => status switch
    {
        StatusCodes.Status200OK => StatusCode.Internal,
        StatusCodes.Status400BadRequest => StatusCode.Internal,
        StatusCodes.Status401Unauthorized => StatusCode.Unauthenticated,
        StatusCodes.Status403Forbidden => StatusCode.PermissionDenied,
        StatusCodes.Status404NotFound => StatusCode.Unimplemented,
        StatusCodes.Status429TooManyRequests or StatusCodes.Status502BadGateway or StatusCodes.Status503ServiceUnavailable or StatusCodes.Status504GatewayTimeout => StatusCode.Unavailable,
        _ => StatusCode.Unknown,
    };

    private static bool TryParse(StringValues values, out StatusCode status)
    {
        if (values.Count > 0 && int.TryParse(values[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var code))
        {
            status = (StatusCode)code;
            return true;
        }

        status = default;
        return false;
    }
}
