using System.Collections.Frozen;

namespace MeshProxy.Grpc;

/// <summary>Header names and values of the gRPC over HTTP/2 protocol (grpc/grpc doc/PROTOCOL-HTTP2.md).</summary>
public static class GrpcProtocol
{
    public const string ContentType = "application/grpc";
    public const string StatusHeader = "grpc-status";
    public const string MessageHeader = "grpc-message";
    public const string StatusDetailsHeader = "grpc-status-details-bin";
    public const string TimeoutHeader = "grpc-timeout";
    public const string EncodingHeader = "grpc-encoding";
    public const string AcceptEncodingHeader = "grpc-accept-encoding";
    public const string TeHeader = "te";
    public const string TeTrailers = "trailers";
    public const string BinarySuffix = "-bin";

    // HTTP/2 and HTTP/1 connection headers and the gRPC request headers (PROTOCOL-HTTP2.md, Requests); pseudo-headers
    // and grpc-* are matched by prefix.
    private static readonly FrozenSet<string> ReservedHeaders = FrozenSet.ToFrozenSet(
        ["content-type", "te", "user-agent", "host", "content-length", "connection", "transfer-encoding", "keep-alive", "upgrade", "proxy-connection", "date", "server"],
        StringComparer.OrdinalIgnoreCase);

    /// <summary>The size of a message's prefix: one compressed-flag byte and a four-byte big-endian length.</summary>
    public const int MessagePrefixLength = 5;

    /// <summary>True for application/grpc and its +proto, +json and ;parameter forms.</summary>
    public static bool IsGrpcContentType(string? contentType) =>
        contentType is not null
        && contentType.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase)
        && (contentType.Length == ContentType.Length || contentType[ContentType.Length] is '+' or ';');

    /// <summary>
    /// True for header names the protocol and HTTP reserve, which never appear as metadata: what a handler sees of a
    /// call's headers, and what the transcoder passes between REST headers and gRPC metadata.
    /// </summary>
    public static bool IsReservedHeader(string key) =>
        key.StartsWith(':') || key.StartsWith("grpc-", StringComparison.OrdinalIgnoreCase) || ReservedHeaders.Contains(key);
}
