using System.Globalization;
using System.Net;
using System.Net.Http.Headers;

namespace MeshProxy.Grpc.Client;

/// <summary>How a client derives the status of a call from what the server (or the transport) sent.</summary>
internal static class GrpcResponseStatus
{
    /// <summary>Status from grpc-status / grpc-message / grpc-status-details-bin; null when grpc-status is absent.</summary>
    public static Status? FromHeaders(HttpHeaders headers)
    {
        if (!headers.TryGetValues(GrpcProtocol.StatusHeader, out var statusValues))
        {
            return null;
        }

        var raw = statusValues.FirstOrDefault();
        if (!int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var code))
        {
            return new Status(StatusCode.Unknown, $"Unexpected grpc-status value '{raw}'.");
        }

        var message = headers.TryGetValues(GrpcProtocol.MessageHeader, out var messageValues)
            ? GrpcMessageEncoding.Decode(messageValues.FirstOrDefault() ?? string.Empty)
            : string.Empty;
        byte[]? details = null;
        if (headers.TryGetValues(GrpcProtocol.StatusDetailsHeader, out var detailValues)
            && MetadataHeaders.TryDecodeBinary(detailValues.FirstOrDefault() ?? string.Empty, out var bytes))
        {
            details = bytes;
        }

        // Codes outside the 17 known ones are UNKNOWN to us (statuscodes.md allows new codes to appear).
        var statusCode = code is >= 0 and <= 16 ? (StatusCode)code : StatusCode.Unknown;
        return new Status(statusCode, message, details);
    }

    public static Metadata ToMetadata(HttpHeaders headers)
    {
        var metadata = new Metadata();
        foreach (var (name, values) in headers)
        {
            MetadataHeaders.AddHeader(metadata, name, new Microsoft.Extensions.Primitives.StringValues(values.ToArray()));
        }

        return metadata;
    }

    /// <summary>The HTTP-to-gRPC table for responses that are not 200 (grpc/grpc doc/http-grpc-status-mapping.md).</summary>
    public static StatusCode FromHttpStatus(HttpStatusCode status) =>
        status switch
        {
            HttpStatusCode.BadRequest => StatusCode.Internal,
            HttpStatusCode.Unauthorized => StatusCode.Unauthenticated,
            HttpStatusCode.Forbidden => StatusCode.PermissionDenied,
            HttpStatusCode.NotFound => StatusCode.Unimplemented,
            HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout => StatusCode.Unavailable,
            _ => StatusCode.Unknown,
        };

    /// <summary>The RST_STREAM error code table of PROTOCOL-HTTP2.md, Errors.</summary>
    public static StatusCode FromHttp2ErrorCode(long errorCode) =>
        errorCode switch
        {
            0x7 => StatusCode.Unavailable,        // REFUSED_STREAM: safe to retry
            0x8 => StatusCode.Cancelled,          // CANCEL
            0xB => StatusCode.ResourceExhausted,  // ENHANCE_YOUR_CALM
            0xC => StatusCode.PermissionDenied,   // INADEQUATE_SECURITY
            _ => StatusCode.Internal,             // NO_ERROR, PROTOCOL_ERROR, INTERNAL_ERROR, FLOW_CONTROL_ERROR, ...
        };
}
