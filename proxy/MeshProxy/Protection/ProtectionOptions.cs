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
    /// The share of the GC heap limit (<c>DOTNET_GCHeapHardLimit</c>, or 75 % of the container's memory limit) above
    /// which new calls are refused with UNAVAILABLE (<see cref="TrafficPolicy.Overload.HeapGuard"/>). Default 85: near
    /// its limit the GC collects fully for every allocation that finds no room, and a Native AOT sidecar kept there
    /// spun in one such collection for minutes (docs/benchmarks.md); 100 turns the guard off.
    /// </summary>
    public int MaxHeapPercent { get; init; } = 85;

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

    /// <summary>
    /// Guard the gRPC listeners (h2c and mTLS) against HTTP/2 control-frame floods (<see cref="Http2FloodGuard"/>).
    /// Default true.
    /// </summary>
    public bool Http2FloodGuard { get; init; } = true;

    /// <summary>The sliding window of the RST_STREAM, PING and SETTINGS budgets. Default 10 s.</summary>
    public TimeSpan Http2FloodWindow { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// RST_STREAM frames a connection may send per window before it is cut, and then only if it also reset more than
    /// half of the streams it opened in the window. Default 500, Envoy's premature-reset threshold: a rapid-reset
    /// flood resets every stream it opens; a client cancelling part of its calls never reaches half.
    /// </summary>
    public int Http2MaxResetStreams { get; init; } = 500;

    /// <summary>
    /// PING frames (not ACKs) per window. Default 1,000: keepalive and RTT pings come a few per second at most; Go's
    /// server bounds control frames at about this many (its queue of replies).
    /// </summary>
    public int Http2MaxPings { get; init; } = 1000;

    /// <summary>SETTINGS frames (not ACKs) per window. Default 100: a client sends one at start and rarely any other.</summary>
    public int Http2MaxSettings { get; init; } = 100;

    /// <summary>PRIORITY frames per stream opened (plus one stream's worth). Default 100, Envoy's <c>max_inbound_priority_frames_per_stream</c>.</summary>
    public int Http2MaxPriorityFramesPerStream { get; init; } = 100;

    /// <summary>
    /// WINDOW_UPDATE frames per DATA frame sent to the client. Default 10, Envoy's
    /// <c>max_inbound_window_update_frames_per_data_frame_sent</c>.
    /// </summary>
    public int Http2MaxWindowUpdatesPerDataFrame { get; init; } = 10;

    /// <summary>
    /// Consecutive frames with an empty payload and no END_STREAM (DATA, HEADERS, CONTINUATION). Default 1, Envoy's
    /// <c>max_consecutive_inbound_frames_with_empty_payload</c>: no client needs two in a row.
    /// </summary>
    public int Http2MaxConsecutiveEmptyFrames { get; init; } = 1;

    /// <summary>
    /// CONTINUATION frames per header block. Default 8, nghttp2's bound since CVE-2024-28182; a header block fits
    /// Kestrel's 32 KiB header limit in 2 frames of the default 16 KiB size.
    /// </summary>
    public int Http2MaxContinuationFrames { get; init; } = 8;
}
