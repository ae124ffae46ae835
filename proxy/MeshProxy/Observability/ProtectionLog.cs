using Microsoft.Extensions.Logging;

namespace MeshProxy.Observability;

/// <summary>Overload and abuse protection (Protection/) events, ids 2500-2599.</summary>
internal static partial class ProtectionLog
{
    [LoggerMessage(EventId = 2500, EventName = "Http2FloodGoAway", Level = LogLevel.Warning,
        Message = "HTTP/2 {Frame} flood on the {Listener} listener from {Remote}: {Count} frames passed the budget; sent GOAWAY(ENHANCE_YOUR_CALM, last stream {LastStreamId}) and closed the connection.")]
    public static partial void Http2FloodGoAway(ILogger logger, string listener, string frame, long count, string remote, int lastStreamId);
}
