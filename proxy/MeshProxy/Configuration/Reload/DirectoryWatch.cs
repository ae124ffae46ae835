namespace MeshProxy.Configuration.Reload;

/// <summary>
/// The file-system half of every file the sidecar follows live (the config file, descriptor sets, the workload
/// certificate, the JWKS): a watch of the folder, not the file, because an atomic rename or a Kubernetes
/// <c>..data</c> symlink swap replaces the file itself. Every event, and every watcher error (an overflowed buffer
/// loses events), signals the owner's <see cref="ReloadTrigger"/>, which debounces and re-reads; its poll covers a
/// watch that could not start or broke.
/// </summary>
internal static class DirectoryWatch
{
    /// <summary>
    /// Starts watching <paramref name="directory"/>; null when the watch cannot start (the inotify limit of a crowded
    /// node, a missing folder), after telling <paramref name="failed"/>, which also hears of later watcher errors.
    /// </summary>
    public static FileSystemWatcher? TryStart(string directory, ReloadTrigger trigger, Action<Exception> failed)
    {
        FileSystemWatcher? watcher = null;
        try
        {
            watcher = new FileSystemWatcher(directory)
            {
                IncludeSubdirectories = false,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
            };
            FileSystemEventHandler changed = (_, _) => trigger.Signal();
            watcher.Changed += changed;
            watcher.Created += changed;
            watcher.Deleted += changed;
            watcher.Renamed += (_, _) => trigger.Signal();
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
}
