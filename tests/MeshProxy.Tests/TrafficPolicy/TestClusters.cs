using System.Collections.Immutable;
using MeshProxy.Configuration;
using MeshProxy.TrafficPolicy;

namespace MeshProxy.Tests.TrafficPolicy;

/// <summary>Cluster states for picker tests; nothing is ever sent, so the client points at a closed port.</summary>
internal static class TestClusters
{
    public static ClusterState Create(string name, LoadBalancingKind loadBalancing = LoadBalancingKind.RoundRobin, Random? random = null, int destinations = 1)
    {
        var list = Enumerable.Range(0, destinations)
            .Select(i => new DestinationConfig($"{name}-{i}", $"http://127.0.0.1:{i + 1}"))
            .ToImmutableArray();
        var config = new ClusterConfig(name, new(list), loadBalancing, TimeSpan.FromSeconds(1), Http2Config.Default);
        return new ClusterState(config, ClusterClientFactory.Create(config), random);
    }
}
