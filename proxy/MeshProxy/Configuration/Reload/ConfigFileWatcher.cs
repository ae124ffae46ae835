using MeshProxy.Observability;
using Microsoft.Extensions.Logging;

namespace MeshProxy.Configuration.Reload;

/// <summary>
/// Follows a config file on disk and hands each new content to <see cref="ConfigReloader"/>.
/// </summary>
/// <remarks>
/// The watcher is on the file's directory, for the file's name and kubelet's <c>..</c> names: a ConfigMap volume holds
/// <c>meshproxy.yaml -> ..data/meshproxy.yaml</c> and <c>..data -> ..2026_11_22_08_00_00.123</c>, and kubelet updates
/// it by writing a new timestamped directory, pointing <c>..data_tmp</c> at it and renaming that over <c>..data</c>.
/// The file itself never changes, so only those directory events show the edit. An event just arms the debounce; the
/// content hash then decides whether anything changed. Other files of the folder are not followed (DirectoryWatch).
/// </remarks>
internal sealed class ConfigFileWatcher : IDisposable
{
    private readonly string _path;
    private readonly ConfigReloader _reloader;
    private readonly ILogger _logger;
    private readonly ReloadTrigger _trigger;
    private FileSystemWatcher? _watcher;

    public ConfigFileWatcher(string path, ConfigReloader reloader, ConfigReloadOptions options, TimeProvider time, ILogger<ConfigFileWatcher> logger)
    {
        _path = Path.GetFullPath(path);
        _reloader = reloader;
        _logger = logger;
        _trigger = new ReloadTrigger(time, options.Debounce, options.PollInterval, () => Check());
        if (options.WatchFileSystem)
        {
            var directory = Path.GetDirectoryName(_path) ?? throw new ArgumentException($"'{path}' has no directory.", nameof(path));
            _watcher = DirectoryWatch.TryStart(directory, [Path.GetFileName(_path)], _trigger, ex => ConfigurationLog.ConfigWatchFailed(_logger, directory, ex));
        }

        ConfigurationLog.ConfigWatchStarted(
            _logger,
            _path,
            _watcher is not null,
            options.PollInterval == Timeout.InfiniteTimeSpan ? "never" : Duration.Format(options.PollInterval));
    }

    /// <summary>Reads the file now and applies it when its content changed (the timers call this too).</summary>
    public ConfigReloadOutcome Check()
    {
        try
        {
            byte[] content;
            try
            {
                content = File.ReadAllBytes(_path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return _reloader.Reload(null, $"cannot read {_path}: {ex.Message}");
            }

            return _reloader.Reload(content);
        }
        catch (Exception ex)
        {
            // A timer thread must never throw: the process would die. The next event or poll tries again.
            ConfigurationLog.ConfigCheckFailed(_logger, _path, ex);
            return ConfigReloadOutcome.Unchanged;
        }
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _trigger.Dispose();
    }

}
