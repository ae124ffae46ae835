namespace MeshProxy.Configuration;

/// <summary>The failures a route's retry policy retries (<c>retryOn</c>), as flags compiled once per snapshot.</summary>
[Flags]
internal enum RetryOn
{
    None = 0,

    /// <summary>Trailers-Only grpc-status CANCELLED (1).</summary>
    Cancelled = 1 << 0,

    /// <summary>Trailers-Only grpc-status DEADLINE_EXCEEDED (4).</summary>
    DeadlineExceeded = 1 << 1,

    /// <summary>Trailers-Only grpc-status RESOURCE_EXHAUSTED (8).</summary>
    ResourceExhausted = 1 << 2,

    /// <summary>Trailers-Only grpc-status INTERNAL (13).</summary>
    Internal = 1 << 3,

    /// <summary>Trailers-Only grpc-status UNAVAILABLE (14).</summary>
    Unavailable = 1 << 4,

    /// <summary>The TCP connection could not be made: nothing reached the destination.</summary>
    ConnectFailure = 1 << 5,

    /// <summary>The destination refused the stream (RST_STREAM REFUSED_STREAM, RFC 9113 §8.7): it did not process it.</summary>
    RefusedStream = 1 << 6,

    /// <summary>The connection or stream broke before response headers (any other transport failure).</summary>
    Reset = 1 << 7,
}
