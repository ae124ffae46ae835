using MeshProxy.Configuration;

namespace MeshProxy.Protection;

/// <summary>
/// Reads the top-level <c>protection:</c> mapping into <see cref="ProtectionOptions"/>; omitted keys keep the defaults.
/// Every value is checked here, with its path, so a bad one stops the load instead of failing inside Kestrel later.
/// <code>
/// protection:
///   commitBeforeForwarding: true
///   commitBytes: 65536
///   commitWait: 100ms
///   maxHeapPercent: 85
///   rest:  { minBodyBytesPerSecond: 240, bodyGracePeriod: 5s, maxConnections: 10000 }
///   http2: { floodGuard: true, window: 10s, maxResetStreams: 500, maxPings: 1000, maxSettings: 100,
///            maxPriorityFramesPerStream: 100, maxWindowUpdatesPerDataFrame: 10, maxConsecutiveEmptyFrames: 1,
///            maxContinuationFrames: 8 }
/// </code>
/// </summary>
internal static class ProtectionConfigReader
{
    /// <summary>Kestrel's initial per-stream receive window: a caller can always send this much before we read.</summary>
    private const int StreamWindow = 768 * 1024;

    public static ProtectionOptions Read(YamlMapping root, ConfigErrors errors)
    {
        var defaults = ProtectionOptions.Default;
        if (!root.Has("protection"))
        {
            return defaults;
        }

        var map = YamlMapping.From(root.Node("protection"), root.Child("protection"), errors);
        var rest = YamlMapping.From(map.Node("rest"), map.Child("rest"), errors);
        var http2 = YamlMapping.From(map.Node("http2"), map.Child("http2"), errors);
        var result = new ProtectionOptions
        {
            CommitBeforeForwarding = map.Bool("commitBeforeForwarding") ?? defaults.CommitBeforeForwarding,
            CommitBytes = Range(map, "commitBytes", 6, StreamWindow, "a 5-byte message prefix plus a byte, and at most Kestrel's stream window (786432), which a caller can send before anything is read", errors) ?? defaults.CommitBytes,
            CommitWait = Within(map, "commitWait", TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(10), errors) ?? defaults.CommitWait,
            MaxHeapPercent = Range(map, "maxHeapPercent", 1, 100, "a share of the GC heap limit; 100 turns the refusal off", errors) ?? defaults.MaxHeapPercent,
            RestMinBodyBytesPerSecond = Range(rest, "minBodyBytesPerSecond", 0, int.MaxValue, "0 turns the check off", errors) ?? defaults.RestMinBodyBytesPerSecond,
            RestBodyGracePeriod = GracePeriod(rest, errors) ?? defaults.RestBodyGracePeriod,
            RestMaxConnections = Range(rest, "maxConnections", 0, int.MaxValue, "0 means no bound", errors) ?? defaults.RestMaxConnections,
            Http2FloodGuard = http2.Bool("floodGuard") ?? defaults.Http2FloodGuard,
            Http2FloodWindow = Within(http2, "window", TimeSpan.FromSeconds(1), TimeSpan.FromHours(1), errors) ?? defaults.Http2FloodWindow,
            Http2MaxResetStreams = Budget(http2, "maxResetStreams", errors) ?? defaults.Http2MaxResetStreams,
            Http2MaxPings = Budget(http2, "maxPings", errors) ?? defaults.Http2MaxPings,
            Http2MaxSettings = Budget(http2, "maxSettings", errors) ?? defaults.Http2MaxSettings,
            Http2MaxPriorityFramesPerStream = Budget(http2, "maxPriorityFramesPerStream", errors) ?? defaults.Http2MaxPriorityFramesPerStream,
            Http2MaxWindowUpdatesPerDataFrame = Budget(http2, "maxWindowUpdatesPerDataFrame", errors) ?? defaults.Http2MaxWindowUpdatesPerDataFrame,
            Http2MaxConsecutiveEmptyFrames = Budget(http2, "maxConsecutiveEmptyFrames", errors) ?? defaults.Http2MaxConsecutiveEmptyFrames,
            Http2MaxContinuationFrames = Budget(http2, "maxContinuationFrames", errors) ?? defaults.Http2MaxContinuationFrames,
        };
        rest.ReportUnknownKeys();
        http2.ReportUnknownKeys();
        map.ReportUnknownKeys();
        return result;
    }

    private static int? Range(YamlMapping map, string key, int min, int max, string why, ConfigErrors errors)
    {
        var value = map.Int(key);
        if (value is { } v && (v < min || v > max))
        {
            errors.Add(map.Child(key), $"must be between {min} and {max} ({why}), found {v}");
            return null;
        }

        return value;
    }

    // A frame budget of 0 would cut every client at its first such frame (its first SETTINGS, its first empty END_STREAM-less frame).
    private static int? Budget(YamlMapping map, string key, ConfigErrors errors) =>
        Range(map, key, 1, 1_000_000, "a budget of frames per connection; to turn the guard off set http2.floodGuard: false", errors);

    private static TimeSpan? Within(YamlMapping map, string key, TimeSpan min, TimeSpan max, ConfigErrors errors)
    {
        var value = map.Duration(key);
        if (value is { } v && (v < min || v > max))
        {
            errors.Add(map.Child(key), $"must be between {Duration.Format(min)} and {Duration.Format(max)}, found {Duration.Format(v)}");
            return null;
        }

        return value;
    }

    // Kestrel's MinDataRate refuses a grace period of 1 s or less (ArgumentOutOfRangeException on the first request).
    private static TimeSpan? GracePeriod(YamlMapping rest, ConfigErrors errors)
    {
        var value = rest.Duration("bodyGracePeriod");
        if (value is { } v && v <= TimeSpan.FromSeconds(1))
        {
            errors.Add(rest.Child("bodyGracePeriod"), $"must be more than 1s (Kestrel's minimum for a data-rate grace period), found {Duration.Format(v)}");
            return null;
        }

        return value;
    }
}
