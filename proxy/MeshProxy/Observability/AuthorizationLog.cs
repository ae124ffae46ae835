using Microsoft.Extensions.Logging;

namespace MeshProxy.Observability;

/// <summary>Authorization and REST edge authentication events, ids 2100-2199.</summary>
internal static partial class AuthorizationLog
{
    [LoggerMessage(EventId = 2100, EventName = "CallDenied", Level = LogLevel.Information, Message = "Denied {Method} from {Caller}: {Reason}.")]
    public static partial void CallDenied(ILogger logger, string method, string caller, string reason);

    [LoggerMessage(EventId = 2101, EventName = "TokenRefused", Level = LogLevel.Debug, Message = "Refused the bearer token of {Method} {Path}: {Reason}.")]
    public static partial void TokenRefused(ILogger logger, string method, string path, string reason);

    [LoggerMessage(EventId = 2110, EventName = "JwksLoaded", Level = LogLevel.Information, Message = "Loaded {Count} signing keys from {Path} (sha256 {Hash}).")]
    public static partial void JwksLoaded(ILogger logger, int count, string path, string hash);

    [LoggerMessage(EventId = 2111, EventName = "JwksRefused", Level = LogLevel.Error, Message = "Cannot use the JWKS file {Path}: {Reason}. The last good keys stay in use.")]
    public static partial void JwksRefused(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 2112, EventName = "JwksWatchFailed", Level = LogLevel.Warning, Message = "Cannot watch {Directory} for JWKS changes; the poll still sees them.")]
    public static partial void JwksWatchFailed(ILogger logger, string directory, Exception exception);

    [LoggerMessage(EventId = 2113, EventName = "JwksCheckFailed", Level = LogLevel.Error, Message = "The JWKS check failed.")]
    public static partial void JwksCheckFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2120, EventName = "ClaimHeaderSkipped", Level = LogLevel.Debug, Message = "Claim {Claim} is not passed upstream as {Header}: its value is not printable ASCII.")]
    public static partial void ClaimHeaderSkipped(ILogger logger, string claim, string header);
}
