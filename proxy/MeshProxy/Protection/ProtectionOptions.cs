namespace MeshProxy.Protection;

/// <summary>
/// Process-level limits against overload and abuse on the gRPC listener (docs/reliability.md, "Overload and abuse
/// limits"). Defaults are what the sidecar runs with; tests substitute their own.
/// </summary>
internal sealed record ProtectionOptions
{
    public static ProtectionOptions Default { get; } = new();

    /// <summary>
    /// Hold each gRPC call until its caller has committed to it (<see cref="CallerCommitGate"/>). Default true.
    /// </summary>
    public bool CommitBeforeForwarding { get; init; } = true;

    /// <summary>
    /// Buffered request bytes that commit a call whose first message is not whole yet. Default 64 KiB: below
    /// Kestrel's per-stream flow-control window (768 KiB), so the caller can always send that much unread.
    /// </summary>
    public int CommitBytes { get; init; } = 64 * 1024;

    /// <summary>
    /// The longest a call whose request has not ended is held before it is forwarded anyway (a bidirectional call
    /// whose client waits for the server). Default 100 ms: longer than a flood tool keeps a stream before resetting
    /// it, short enough to go unnoticed once per streaming call.
    /// </summary>
    public TimeSpan CommitWait { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// The slowest REST request body accepted, in bytes per second, averaged after <see cref="RestBodyGracePeriod"/>;
    /// a body that trickles slower, or stalls (a chunked body that never ends), gets 408 with a google.rpc.Status body.
    /// Default 240 B/s, Kestrel's own default. 0 turns the check off.
    /// </summary>
    public int RestMinBodyBytesPerSecond { get; init; } = 240;

    /// <summary>How long a REST body may be slower than the minimum rate before it counts. Default 5 s (Kestrel's).</summary>
    public TimeSpan RestBodyGracePeriod { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The most connections the REST listener holds open; more are closed on arrival. Default 10,000 (each idle
    /// HTTP/1.1 connection costs Kestrel a few KiB, so this stays well inside the 256 MiB budget). 0 means no bound.
    /// </summary>
    public int RestMaxConnections { get; init; } = 10_000;
}
