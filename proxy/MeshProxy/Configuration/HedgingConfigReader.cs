using System.Collections.Immutable;
using YamlDotNet.RepresentationModel;

namespace MeshProxy.Configuration;

/// <summary>Reads a route's <c>hedging:</c> section key by key.</summary>
internal static class HedgingConfigReader
{
    public static HedgingPolicyConfig? Read(YamlMapping route, ConfigErrors errors)
    {
        if (!route.Has("hedging"))
        {
            route.Node("hedging");
            return null;
        }

        var map = YamlMapping.From(route.Node("hedging"), route.Child("hedging"), errors);
        var maxAttempts = map.Int("maxAttempts") ?? 2;
        var delay = map.Duration("delay") ?? HedgingPolicyConfig.DefaultDelay;
        var nonFatalOn = map.Has("nonFatalOn")
            ? new EquatableArray<string>(map.Sequence("nonFatalOn").Select(item => item.Node is YamlScalarNode { Value: { } v } ? v : string.Empty).ToImmutableArray())
            : HedgingPolicyConfig.DefaultNonFatalOn;
        map.Node("nonFatalOn");
        map.ReportUnknownKeys();
        return new HedgingPolicyConfig(maxAttempts, delay, nonFatalOn);
    }
}
