using MeshProxy.Configuration;
using MeshProxy.Discovery;

namespace MeshProxy.Tests.Discovery;

/// <summary>When a DNS cluster looks its name up again: the TTL within bounds, and the back-off after failures.</summary>
public sealed class DnsRefreshTests
{
    private static readonly DnsDiscoveryConfig Bounds = new("users.shop", 50051, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(60));

    [Theory]
    [InlineData(30, 30)]
    [InlineData(0, 2)]
    [InlineData(1, 2)]
    [InlineData(3600, 60)]
    public void RefreshAfter_Ttl_KeptWithinMinAndMax(int ttlSeconds, int expectedSeconds) =>
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), DnsClusterWatcher.RefreshAfter(TimeSpan.FromSeconds(ttlSeconds), Bounds));

    [Fact]
    public void RefreshAfter_NoTtl_IpLiteralWaitsMax() =>
        Assert.Equal(TimeSpan.FromSeconds(60), DnsClusterWatcher.RefreshAfter(null, Bounds));

    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, 4)]
    [InlineData(5, 32)]
    [InlineData(6, 60)]
    [InlineData(40, 60)]
    public void RetryAfter_ConsecutiveFailures_DoublesFromMinUpToMax(int failures, int expectedSeconds) =>
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), DnsClusterWatcher.RetryAfter(failures, Bounds));
}
