using System.Collections.Frozen;

namespace MeshProxy.Configuration.Reload;

/// <summary>
/// The file-system half of every file the sidecar follows live (the config file, descriptor sets, the workload
/// certificate, the JWKS): a watch of the folder, not the file, because an atomic rename or a Kubernetes
/// <c>..data</c> symlink swap replaces the file itself. An event for one of the followed entries, or for a name
/// starting with <c>..</c> (kubelet's atomic writer: <c>..data</c>, <c>..data_tmp</c> and its timestamped folders),
/// and every watcher error (an overflowed buffer loses events), signals the owner's <see cref="ReloadTrigger"/>, which
/// debounces and re-reads; its poll covers a watch that could not start or broke.
/// </summary>
/// <remarks>
/// Events for other entries of the folder are ignored, as Envoy's watcher dispatches only its file's: a log or any
/// file written often beside the config restarted the debounce on every write, so a real edit waited for those writes
/// to pause or for the poll, and every write woke the sidecar.
/// </remarks>
internal static class DirectoryWatch
{
    /// <summary>
    /// Starts watching <paramref name="directory"/> for <paramref name="entries"/> (paths relative to it or absolute; an
    /// entry in a subfolder is followed through that subfolder's name, one outside the folder only by the poll); null
    /// when the watch cannot start (the inotify limit of a crowded node, a missing folder), after telling
    /// <paramref name="failed"/>, which also hears of later watcher errors.
    /// </summary>
    public static FileSystemWatcher? TryStart(string directory, IEnumerable<string> entries, ReloadTrigger trigger, Action<Exception> failed)
    {
        var followed = entries
            .Select(entry => FirstSegment(Path.GetRelativePath(directory, Path.Combine(directory, entry))))
            .ToFrozenSet(StringComparer.Ordinal);
        FileSystemWatcher? watcher = null;
        try
        {
            watcher = new FileSystemWatcher(directory)
            {
                IncludeSubdirectories = false,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
            };
            FileSystemEventHandler changed = (_, e) =>
            {
                if (Follows(followed, e.Name))
                {
                    trigger.Signal();
                }
            };
            watcher.Changed += changed;
            watcher.Created += changed;
            watcher.Deleted += changed;
            watcher.Renamed += (_, e) =>
            {
                if (Follows(followed, e.Name) || Follows(followed, e.OldName))
                {
                    trigger.Signal();
                }
            };
            watcher.Error += (_, e) =>
            {
                failed(e.GetException());
                trigger.Signal();
            };
            watcher.EnableRaisingEvents = true;
            return watcher;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException)
        {
            failed(ex);
            watcher?.Dispose();
            return null;
        }
    }

    // An event without a name is about the folder itself: it may concern any entry.
    private static bool Follows(FrozenSet<string> followed, string? name) =>
        string.IsNullOrEmpty(name) || name.StartsWith("..", StringComparison.Ordinal) || followed.Contains(name);

    // GetRelativePath gives the platform's separator.
    private static string FirstSegment(string relative) =>
        relative.IndexOf(Path.DirectorySeparatorChar) is var end and >= 0 ? relative[..end] : relative;
}
