using MeshProxy.Configuration;
using MeshProxy.Hosting;
using MeshProxy.TestSupport;

namespace MeshProxy.Tests.Hosting;

public sealed class MeshProxyServerTests
{
    [Fact]
    public async Task StartAsync_InvalidYaml_ThrowsWithEveryErrorPath()
    {
        var ex = await Assert.ThrowsAsync<ConfigLoadException>(() => MeshProxyServer.StartAsync("routes:\n  - { name: r, match: { prefix: / }, cluster: nope }\nbogus: 1")).DefaultTimeout();

        Assert.Equal(["bogus", "routes[0].cluster"], ex.Errors.Select(e => e.Path).Order(StringComparer.Ordinal));
        Assert.Contains("routes[0].cluster: unknown cluster 'nope'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_InvalidConfigRecord_IsValidatedToo()
    {
        var config = new MeshProxyConfig(
            null,
            ListenersConfig.Default with { Admin = new ListenerConfig("0.0.0.0", 0) },
            EquatableArray<RouteConfig>.Empty,
            EquatableArray<ClusterConfig>.Empty);

        var ex = await Assert.ThrowsAsync<ConfigLoadException>(() => MeshProxyServer.StartAsync(config)).DefaultTimeout();

        Assert.Equal("listeners.admin.address", Assert.Single(ex.Errors).Path);
    }
}
