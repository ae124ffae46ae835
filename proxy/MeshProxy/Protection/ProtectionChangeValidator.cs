using MeshProxy.Configuration;

namespace MeshProxy.Protection;

/// <summary>
/// <c>protection:</c> applies at start only: the listener-level limits are connection middleware built when Kestrel
/// binds (the flood guard, the REST connection bound), and the rest is captured by singletons that every call reads
/// without a lookup (the commit gate, the REST body rate). A reload that changes any of it is refused as a whole, with
/// one error per changed key, as a listener change is: the live config stays exactly one file's content, and an
/// operator never believes a limit applies that does not.
/// </summary>
internal static class ProtectionChangeValidator
{
    public static void Validate(ProtectionOptions live, ProtectionOptions next, ConfigErrors errors)
    {
        if (live == next)
        {
            return;
        }

        Compare("protection.commitBeforeForwarding", live.CommitBeforeForwarding, next.CommitBeforeForwarding, errors);
        Compare("protection.commitBytes", live.CommitBytes, next.CommitBytes, errors);
        Compare("protection.commitWait", live.CommitWait, next.CommitWait, errors);
        Compare("protection.maxHeapPercent", live.MaxHeapPercent, next.MaxHeapPercent, errors);
        Compare("protection.rest.minBodyBytesPerSecond", live.RestMinBodyBytesPerSecond, next.RestMinBodyBytesPerSecond, errors);
        Compare("protection.rest.bodyGracePeriod", live.RestBodyGracePeriod, next.RestBodyGracePeriod, errors);
        Compare("protection.rest.maxConnections", live.RestMaxConnections, next.RestMaxConnections, errors);
        Compare("protection.http2.floodGuard", live.Http2FloodGuard, next.Http2FloodGuard, errors);
        Compare("protection.http2.window", live.Http2FloodWindow, next.Http2FloodWindow, errors);
        Compare("protection.http2.maxResetStreams", live.Http2MaxResetStreams, next.Http2MaxResetStreams, errors);
        Compare("protection.http2.maxPings", live.Http2MaxPings, next.Http2MaxPings, errors);
        Compare("protection.http2.maxSettings", live.Http2MaxSettings, next.Http2MaxSettings, errors);
        Compare("protection.http2.maxPriorityFramesPerStream", live.Http2MaxPriorityFramesPerStream, next.Http2MaxPriorityFramesPerStream, errors);
        Compare("protection.http2.maxWindowUpdatesPerDataFrame", live.Http2MaxWindowUpdatesPerDataFrame, next.Http2MaxWindowUpdatesPerDataFrame, errors);
        Compare("protection.http2.maxConsecutiveEmptyFrames", live.Http2MaxConsecutiveEmptyFrames, next.Http2MaxConsecutiveEmptyFrames, errors);
        Compare("protection.http2.maxContinuationFrames", live.Http2MaxContinuationFrames, next.Http2MaxContinuationFrames, errors);
    }

    private static void Compare<T>(string path, T live, T next, ConfigErrors errors)
    {
        if (!EqualityComparer<T>.Default.Equals(live, next))
        {
            errors.Add(path, $"protection settings apply at start; changing them needs a restart (live: {Text(live)}, file: {Text(next)})");
        }
    }

    private static string Text<T>(T value) => value switch
    {
        TimeSpan span => Duration.Format(span),
        bool flag => flag ? "true" : "false",
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty,
    };
}
