using Microsoft.Extensions.Logging;

namespace MeshProxy.Observability;

/// <summary>Configuration events, ids 1100-1199.</summary>
internal static partial class ConfigurationLog
{
    [LoggerMessage(EventId = 1100, EventName = "ConfigApplied", Level = LogLevel.Information, Message = "Applied config version {Version}.")]
    public static partial void ConfigApplied(ILogger logger, string version);
}
