namespace MeshProxy.Configuration.Reload;

/// <summary>What the admin listener shows about the live config: which one it is and how the last reload went.</summary>
/// <param name="Generation">1 for the config the sidecar started with, +1 for every config applied since.</param>
/// <param name="Hash">The live config file's fingerprint (<see cref="ConfigReloader.Hash"/>); null for a config built in code.</param>
/// <param name="AppliedAt">When the live config was applied.</param>
/// <param name="LastError">The last refused edit, or null when the latest content of the file is live.</param>
internal sealed record ConfigReloadStatus(long Generation, string? Hash, DateTimeOffset AppliedAt, ConfigReloadFailure? LastError)
{
    /// <summary>
    /// The live config this status describes. <c>GET /config</c> reads config and status from this one object: read
    /// apart, a reload between the two reads paired a new config with the previous generation and hash (issue 12).
    /// </summary>
    public MeshProxyConfig? Config { get; init; }
}
