using MeshProxy.Configuration;
using MeshProxy.TestSupport;
using MeshProxy.TrafficPolicy;

namespace MeshProxy.Tests.TrafficPolicy;

public sealed class CanaryExampleTests
{
    [Fact]
    public void CanaryExample_Loads_WithTheSplitAndPoliciesItDocuments()
    {
        var result = ConfigLoader.LoadFile(RepoPaths.Combine("config", "examples", "canary.yaml"));
        Assert.True(result.Succeeded, string.Join('\n', result.Errors));
        var config = result.Config;

        var users = Assert.Single(config.Routes, r => r.Name == "users");
        Assert.Equal(new HashOnConfig("x-user-id"), users.HashOn);
        Assert.Equal([new BackendConfig("users-v1", 90), new BackendConfig("users-v2", 10)], users.Backends);
        Assert.Equal(LoadBalancingKind.PowerOfTwoChoices, Assert.Single(config.Clusters, c => c.Name == "users-v1").LoadBalancing);
        Assert.Equal(LoadBalancingKind.LeastRequests, Assert.Single(config.Clusters, c => c.Name == "users-v2").LoadBalancing);
    }

    [Fact]
    public void CanaryExample_BucketRanges_AreTheOnesItsCommentsState()
    {
        using var v1 = TestClusters.Create("users-v1");
        using var v2 = TestClusters.Create("users-v2");
        var picker = new BackendPicker([(v1, 90), (v2, 10)], new Random(1), "x-user-id");

        Assert.Same(v1, picker.PickByBucket(0));
        Assert.Same(v1, picker.PickByBucket(8_999));
        Assert.Same(v2, picker.PickByBucket(9_000));
        Assert.Same(v2, picker.PickByBucket(StableHash.BucketCount - 1));
    }
}
