namespace MeshProxy.Configuration;

/// <summary>Reads a cluster's <c>slowStart:</c> section key by key.</summary>
internal static class SlowStartConfigReader
{
    public static SlowStartConfig? Read(YamlMapping cluster, ConfigErrors errors)
    {
        if (!cluster.Has("slowStart"))
        {
            cluster.Node("slowStart");
            return null;
        }

        var map = YamlMapping.From(cluster.Node("slowStart"), cluster.Child("slowStart"), errors);
        if (!map.Has("window"))
        {
            errors.Add(map.Child("window"), "is required (how long a destination's weight ramps up, e.g. 30s)");
        }

        var window = map.Duration("window");
        var aggression = map.Double("aggression") ?? SlowStartConfig.DefaultAggression;
        var minWeightPercent = map.Double("minWeightPercent") ?? SlowStartConfig.DefaultMinWeightPercent;
        map.ReportUnknownKeys();

        // Without a window there is nothing to ramp; the error above (or the duration's own) already says why.
        return window is { } w ? new SlowStartConfig(w, aggression, minWeightPercent) : null;
    }
}
