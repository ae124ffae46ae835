namespace MeshProxy.Grpc.Client;

/// <summary>Per-call options of a client call.</summary>
/// <param name="Headers">Custom metadata sent as request headers.</param>
/// <param name="Deadline">The UTC instant after which the call fails with DEADLINE_EXCEEDED; sent as grpc-timeout and enforced locally too. Null: none.</param>
/// <param name="CancellationToken">Cancels the call (the stream is reset, the server's token fires); the call fails with CANCELLED.</param>
/// <param name="WriteCompression">Compresses request messages with this grpc-encoding ("gzip" or "deflate"). Null: not compressed.</param>
public readonly record struct CallOptions(
    Metadata? Headers = null,
    DateTime? Deadline = null,
    CancellationToken CancellationToken = default,
    string? WriteCompression = null);
