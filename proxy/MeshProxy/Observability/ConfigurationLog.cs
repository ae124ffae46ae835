using Microsoft.Extensions.Logging;

namespace MeshProxy.Observability;

/// <summary>Configuration events, ids 1100-1199.</summary>
internal static partial class ConfigurationLog
{
    [LoggerMessage(EventId = 1100, EventName = "ConfigApplied", Level = LogLevel.Information, Message = "Applied config version {Version}.")]
    public static partial void ConfigApplied(ILogger logger, string version);

    [LoggerMessage(EventId = 1101, EventName = "ConfigReloaded", Level = LogLevel.Information, Message = "Reloaded config version {Version}, generation {Generation}, hash {Hash}.")]
    public static partial void ConfigReloaded(ILogger logger, string version, long generation, string hash);

    [LoggerMessage(EventId = 1102, EventName = "ConfigReloadRefused", Level = LogLevel.Warning, Message = "Refused config edit {Hash} with {ErrorCount} error(s); generation {Generation} stays live.")]
    public static partial void ConfigReloadRefused(ILogger logger, string hash, int errorCount, long generation);

    [LoggerMessage(EventId = 1103, EventName = "ConfigReloadError", Level = LogLevel.Warning, Message = "Config edit error at {Path}: {Reason}")]
    public static partial void ConfigReloadError(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 1104, EventName = "ConfigWatchStarted", Level = LogLevel.Information, Message = "Watching {Path} for config edits (file-system events: {Watching}, poll every {PollInterval}).")]
    public static partial void ConfigWatchStarted(ILogger logger, string path, bool watching, string pollInterval);

    [LoggerMessage(EventId = 1105, EventName = "ConfigWatchFailed", Level = LogLevel.Warning, Message = "The file-system watcher on {Directory} failed; the poll keeps checking the file.")]
    public static partial void ConfigWatchFailed(ILogger logger, string directory, Exception exception);

    [LoggerMessage(EventId = 1106, EventName = "ConfigCheckFailed", Level = LogLevel.Error, Message = "Checking the config file {Path} failed unexpectedly; the live config is unchanged.")]
    public static partial void ConfigCheckFailed(ILogger logger, string path, Exception exception);
}
