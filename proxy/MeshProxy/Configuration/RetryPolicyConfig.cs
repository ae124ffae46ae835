namespace MeshProxy.Configuration;

/// <summary>
/// A route's retry policy (<c>retry:</c>). Every key is optional; the defaults follow Istio's sidecar, which retries
/// connect failures and refused streams by default (gRPC A6 for the gRPC-specific parts).
/// </summary>
/// <param name="RetryOn">
/// What a try may fail with to be retried: gRPC status names (<c>cancelled</c>, <c>deadline-exceeded</c>,
/// <c>internal</c>, <c>resource-exhausted</c>, <c>unavailable</c>) read from a Trailers-Only reply, and transport
/// failures (<c>connect-failure</c>, <c>refused-stream</c>, <c>reset</c>). Default
/// <c>[unavailable, connect-failure, refused-stream]</c>.
/// </param>
/// <param name="MaxAttempts">Total tries including the first, 1 to 10; 1 disables retries. Default 3.</param>
/// <param name="PerTryTimeout">Max wait for one try's response headers; zero means none. Default 0s.</param>
/// <param name="BackoffBase">Base of the exponential backoff with full jitter. Default 25ms.</param>
/// <param name="BackoffMax">Cap of the backoff. Default 250ms.</param>
/// <param name="BufferLimit">Bytes of request body kept for replay; a longer body is forwarded once. Default 65536.</param>
/// <param name="Failover">
/// Whether a retry may leave the backend cluster the canary split chose and re-pick among the route's other clusters.
/// Default false.
/// </param>
internal sealed record RetryPolicyConfig(
    EquatableArray<string> RetryOn,
    int MaxAttempts,
    TimeSpan PerTryTimeout,
    TimeSpan BackoffBase,
    TimeSpan BackoffMax,
    int BufferLimit,
    bool Failover)
{
    public const int DefaultMaxAttempts = 3;

    public const int MaxMaxAttempts = 10;

    public const int DefaultBufferLimit = 64 * 1024;

    public static EquatableArray<string> DefaultRetryOn { get; } = new(["unavailable", "connect-failure", "refused-stream"]);

    public static TimeSpan DefaultBackoffBase { get; } = TimeSpan.FromMilliseconds(25);

    public static TimeSpan DefaultBackoffMax { get; } = TimeSpan.FromMilliseconds(250);

    public static RetryPolicyConfig Default { get; } = new(
        DefaultRetryOn, DefaultMaxAttempts, TimeSpan.Zero, DefaultBackoffBase, DefaultBackoffMax, DefaultBufferLimit, Failover: false);
}
