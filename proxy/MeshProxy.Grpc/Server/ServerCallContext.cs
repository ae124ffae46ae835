using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.Grpc.Server;

/// <summary>What a handler knows about its call and can set on the reply.</summary>
public sealed class ServerCallContext
{
    private readonly ServerCall _call;
    private Metadata? _requestHeaders;

    internal ServerCallContext(ServerCall call, string method, DateTime deadline)
    {
        _call = call;
        Method = method;
        Deadline = deadline;
    }

    /// <summary>The full method name, "/package.Service/Method".</summary>
    public string Method { get; }

    /// <summary>The :authority of the request.</summary>
    public string Host => HttpContext.Request.Host.Value ?? string.Empty;

    /// <summary>The client's address as "ipv4:1.2.3.4:port" or "ipv6:[::1]:port" (gRPC naming), or "unknown".</summary>
    public string Peer => FormatPeer(HttpContext.Connection.RemoteIpAddress, HttpContext.Connection.RemotePort);

    /// <summary>The client's deadline in UTC, from grpc-timeout; <see cref="DateTime.MaxValue"/> when it sent none.</summary>
    public DateTime Deadline { get; }

    /// <summary>Custom metadata the client sent (reserved headers excluded).</summary>
    /// <remarks>Built on first use: most handlers never look, and the headers stay on the HttpContext until then.</remarks>
    public Metadata RequestHeaders => _requestHeaders ??= MetadataHeaders.FromHeaders(HttpContext.Request.Headers);

    /// <summary>Fires when the client cancels (RST_STREAM or disconnect) or the deadline passes.</summary>
    public CancellationToken CancellationToken => _call.CancellationToken;

    /// <summary>Custom metadata sent in the trailers (or, for a Trailers-Only reply, in the headers).</summary>
    public Metadata ResponseTrailers { get; } = new();

    /// <summary>The status sent when the handler returns normally. Default OK.</summary>
    public Status Status { get; set; } = Status.DefaultSuccess;

    /// <summary>
    /// The grpc-encoding of response messages ("gzip", "deflate", or null for none); starts from
    /// <see cref="GrpcServerOptions.ResponseCompressionAlgorithm"/>. Settable until the response headers are sent; an
    /// algorithm the client's grpc-accept-encoding does not list falls back to none.
    /// </summary>
    public string? ResponseCompressionAlgorithm
    {
        get => _call.ResponseEncoding;
        set => _call.SetResponseEncoding(value);
    }

    /// <summary>The HTTP exchange under the call.</summary>
    public HttpContext HttpContext => _call.HttpContext;

    /// <summary>Sends the response headers now, with this custom metadata; at most once, before the first message.</summary>
    public Task WriteResponseHeadersAsync(Metadata responseHeaders)
    {
        ArgumentNullException.ThrowIfNull(responseHeaders);
        return _call.WriteResponseHeadersAsync(responseHeaders);
    }

    private static string FormatPeer(IPAddress? address, int port) =>
        address switch
        {
            null => "unknown",
            { AddressFamily: AddressFamily.InterNetworkV6 } when address.IsIPv4MappedToIPv6 => $"ipv4:{address.MapToIPv4()}:{port}",
            { AddressFamily: AddressFamily.InterNetworkV6 } => $"ipv6:[{address}]:{port}",
            _ => $"ipv4:{address}:{port}",
        };
}
