namespace MeshProxy.Configuration.Reload;

/// <summary>How <c>run --config FILE</c> follows edits of its config file. Process-level: fixed at start.</summary>
internal sealed record ConfigReloadOptions
{
    public static ConfigReloadOptions Default { get; } = new();

    /// <summary>
    /// Watch the file's directory for changes (default true). The directory, not the file, because Kubernetes updates
    /// a mounted ConfigMap by swapping the <c>..data</c> symlink, which a watcher on the file itself never sees.
    /// </summary>
    public bool WatchFileSystem { get; init; } = true;

    /// <summary>Quiet time after the last file-system event before the file is read (default 200 ms): editors and kubelet write in bursts.</summary>
    public TimeSpan Debounce { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// How often the file's content hash is checked regardless of events (default 5 s), the backstop for events a
    /// watcher missed (network file systems, overflowed buffers). <see cref="Timeout.InfiniteTimeSpan"/> turns it off.
    /// </summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a cluster removed by a reload keeps its HTTP client before it is disposed (default 10 s); calls still
    /// running after that keep it until they end. Covers calls that read the previous snapshot just before the swap.
    /// </summary>
    public TimeSpan RetiredClusterGrace { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Throws when an option is out of range; called once at start.</summary>
    public void Validate()
    {
        if (Debounce < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(Debounce), Debounce, "The debounce must not be negative.");
        }

        if (PollInterval <= TimeSpan.Zero && PollInterval != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(PollInterval), PollInterval, "The poll interval must be positive or infinite.");
        }

        if (RetiredClusterGrace < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(RetiredClusterGrace), RetiredClusterGrace, "The grace period must not be negative.");
        }
    }
}
