using System.IO.Compression;

namespace MeshProxy.Grpc.Server;

/// <summary>Options of every gRPC service in the process.</summary>
public sealed class GrpcServerOptions
{
    /// <summary>The default of both message size limits: 4 MiB, as in every gRPC implementation.</summary>
    public const int DefaultMaxMessageSize = 4 * 1024 * 1024;

    /// <summary>The largest request message accepted (after decompression); larger is RESOURCE_EXHAUSTED. Default 4 MiB.</summary>
    public int MaxReceiveMessageSize { get; set; } = DefaultMaxMessageSize;

    /// <summary>The largest response message sent; a larger one fails the call with RESOURCE_EXHAUSTED. Default 4 MiB.</summary>
    public int MaxSendMessageSize { get; set; } = DefaultMaxMessageSize;

    /// <summary>
    /// Compresses response messages with this grpc-encoding ("gzip" or "deflate") when the client's
    /// grpc-accept-encoding lists it. Default null: responses are not compressed.
    /// </summary>
    public string? ResponseCompressionAlgorithm { get; set; }

    /// <summary>The level used when compressing responses. Default <see cref="CompressionLevel.Fastest"/>.</summary>
    public CompressionLevel ResponseCompressionLevel { get; set; } = CompressionLevel.Fastest;

    /// <summary>
    /// When true, an unexpected handler exception's type and message go to the client in grpc-message. Default false:
    /// the client sees a generic UNKNOWN message and the exception is only logged.
    /// </summary>
    public bool EnableDetailedErrors { get; set; }
}
