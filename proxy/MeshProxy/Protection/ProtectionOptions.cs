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
}
