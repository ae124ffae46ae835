using System.Collections.Immutable;
using YamlDotNet.RepresentationModel;

namespace MeshProxy.Configuration;

/// <summary>Reads the route's <c>retry:</c> and the cluster's <c>retryBudget:</c> sections key by key.</summary>
internal static class RetryConfigReader
{
    public static RetryPolicyConfig ReadPolicy(YamlNode? node, string path, ConfigErrors errors)
    {
        var defaults = RetryPolicyConfig.Default;
        var map = YamlMapping.From(node, path, errors);
        var retryOn = map.Has("retryOn")
            ? new EquatableArray<string>(map.Sequence("retryOn").Select(item => Scalar(item.Node, item.Path, errors)).ToImmutableArray())
            : defaults.RetryOn;
        map.Node("retryOn");
        var maxAttempts = map.Int("maxAttempts") ?? defaults.MaxAttempts;
        var perTryTimeout = map.Duration("perTryTimeout") ?? defaults.PerTryTimeout;
        var backoff = YamlMapping.From(map.Node("backoff"), map.Child("backoff"), errors);
        var backoffBase = backoff.Duration("base") ?? defaults.BackoffBase;
        var backoffMax = backoff.Duration("max") ?? defaults.BackoffMax;
        backoff.ReportUnknownKeys();
        var bufferLimit = map.Int("bufferLimit") ?? defaults.BufferLimit;
        var failover = map.Bool("failover") ?? defaults.Failover;
        map.ReportUnknownKeys();
        return new RetryPolicyConfig(retryOn, maxAttempts, perTryTimeout, backoffBase, backoffMax, bufferLimit, failover);
    }

    public static RetryBudgetConfig ReadBudget(YamlNode? node, string path, ConfigErrors errors)
    {
        var defaults = RetryBudgetConfig.Default;
        var map = YamlMapping.From(node, path, errors);
        var result = new RetryBudgetConfig(map.Int("percent") ?? defaults.Percent, map.Int("minConcurrency") ?? defaults.MinConcurrency)
        {
            Ratio = map.Double("ratio") ?? defaults.Ratio,
            MinRetriesPerSecond = map.Int("minRetriesPerSecond") ?? defaults.MinRetriesPerSecond,
            Window = map.Duration("window") ?? defaults.Window,
        };
        map.ReportUnknownKeys();
        return result;
    }

    private static string Scalar(YamlNode node, string path, ConfigErrors errors)
    {
        if (node is YamlScalarNode { Value: { } value })
        {
            return value;
        }

        errors.Add(path, "expected a retryOn name");
        return string.Empty;
    }
}
