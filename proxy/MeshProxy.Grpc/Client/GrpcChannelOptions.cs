using System.IO.Compression;
using Microsoft.Extensions.Logging;

namespace MeshProxy.Grpc.Client;

/// <summary>Options of a <see cref="GrpcChannel"/>.</summary>
public sealed class GrpcChannelOptions
{
    /// <summary>
    /// Sends the HTTP requests. Null (default): the channel creates and owns a SocketsHttpHandler set up for h2c gRPC
    /// (no proxy, redirects, decompression or cookies; several HTTP/2 connections; <see cref="ConnectTimeout"/>).
    /// </summary>
    public HttpMessageInvoker? HttpInvoker { get; set; }

    /// <summary>Whether disposing the channel disposes <see cref="HttpInvoker"/> when one was given. Default false.</summary>
    public bool DisposeHttpInvoker { get; set; }

    /// <summary>The largest response message accepted (after decompression); larger is RESOURCE_EXHAUSTED. Default 4 MiB.</summary>
    public int MaxReceiveMessageSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>The largest request message sent; larger fails the call with RESOURCE_EXHAUSTED. Default unlimited, as in grpc-js.</summary>
    public int MaxSendMessageSize { get; set; } = int.MaxValue;

    /// <summary>How long the owned handler waits for a TCP connection. Default 5 seconds.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The level used when a call compresses its messages. Default <see cref="CompressionLevel.Fastest"/>.</summary>
    public CompressionLevel CompressionLevel { get; set; } = CompressionLevel.Fastest;

    /// <summary>Where client logs go. Default none.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>The clock of deadlines. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
