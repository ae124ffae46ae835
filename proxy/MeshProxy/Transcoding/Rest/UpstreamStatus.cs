using System.Globalization;
using MeshProxy.Grpc;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.Transcoding.Rest;

/// <summary>
/// The outcome of the inner gRPC call as the REST side needs it: the gRPC status from the trailers, or from the
/// headers of a Trailers-Only reply (PROTOCOL-HTTP2.md), with its message percent-decoded and the binary details.
/// </summary>
internal readonly record struct UpstreamStatus(StatusCode Code, string Message, byte[]? Details)
{
    /// <summary>False when neither trailers nor headers carry a grpc-status the REST side can read.</summary>
    public static bool TryRead(IHeaderDictionary trailers, IHeaderDictionary headers, out UpstreamStatus status)
    {
        var source = trailers.ContainsKey(GrpcProtocol.StatusHeader) ? trailers : headers;
        var text = source[GrpcProtocol.StatusHeader].ToString();
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var code) || code < 0)
        {
            status = default;
            return false;
        }

        var message = source[GrpcProtocol.MessageHeader].ToString();
        byte[]? details = null;
        if (source[GrpcProtocol.StatusDetailsHeader].ToString() is { Length: > 0 } encoded && TryDecodeBase64(encoded, out var bytes))
        {
            details = bytes;
        }

        // Codes beyond 16 are kept: the REST mapping turns an unknown code into 500 (code.proto reserves them).
        status = new UpstreamStatus((StatusCode)code, message.Length == 0 ? string.Empty : GrpcMessageEncoding.Decode(message), details);
        return true;
    }

    // Binary metadata is base64, padded or not (PROTOCOL-HTTP2.md: "implementations MUST accept padded and unpadded values").
    private static bool TryDecodeBase64(string value, out byte[] bytes)
    {
        var trimmed = value.Trim();
        var padding = (4 - trimmed.Length % 4) % 4;
        var padded = padding switch
        {
            0 => trimmed,
            3 => null,
            _ => trimmed + new string('=', padding),
        };
        bytes = new byte[padded is null ? 0 : padded.Length / 4 * 3];
        if (padded is not null && Convert.TryFromBase64String(padded, bytes, out var written))
        {
            bytes = bytes[..written];
            return true;
        }

        bytes = [];
        return false;
    }
}
