using MeshProxy.Configuration;

namespace MeshProxy.Tests.Configuration;

/// <summary><c>dns:</c> clusters and the top-level <c>discovery:</c> block: both forms, defaults, and every error with its path.</summary>
public sealed class DnsDiscoveryConfigTests
{
    private const string Routes = """
        routes:
          - name: users
            match: { prefix: / }
            cluster: users
        """;

    [Fact]
    public void Load_ScalarForm_HostPortAndDefaultBounds()
    {
        var config = ConfigAssert.LoadValid(Routes + "\nclusters:\n  users:\n    dns: users-v1.shop.svc.cluster.local:50051\n");

        var cluster = config.Clusters[0];
        Assert.Equal(new DnsDiscoveryConfig("users-v1.shop.svc.cluster.local", 50051, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30)), cluster.Dns);
        Assert.True(cluster.Discovered);
        Assert.Empty(cluster.Destinations);
        Assert.Equal(DiscoveryConfig.Default, config.Discovery);
    }

    [Fact]
    public void Load_MappingFormAndResolver_EveryKeyRead()
    {
        var config = ConfigAssert.LoadValid("""
            discovery: { dnsResolver: "127.0.0.1:5353", dnsTimeout: 300ms }
            """ + "\n" + Routes + """

            clusters:
              users:
                dns: { address: "[::1]:50051", minRefresh: 100ms, maxRefresh: 5s }
            """);

        Assert.Equal(new DnsDiscoveryConfig("::1", 50051, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5)), config.Clusters[0].Dns);
        Assert.Equal("[::1]:50051", config.Clusters[0].Dns!.Address);
        Assert.Equal(new DiscoveryConfig("127.0.0.1:5353", TimeSpan.FromMilliseconds(300)), config.Discovery);
    }

    [Theory]
    [InlineData("dns: users.shop:50051\n    destinations: [ { address: \"http://127.0.0.1:1\" } ]", "clusters.users.destinations", "not both")]
    [InlineData("dns: users.shop", "clusters.users.dns", "needs a port")]
    [InlineData("dns: users.shop:http", "clusters.users.dns", "1 to 65535")]
    [InlineData("dns: users.shop:70000", "clusters.users.dns", "1 to 65535")]
    [InlineData("dns: \"bad name!:50051\"", "clusters.users.dns", "not a DNS name")]
    [InlineData("dns: \":50051\"", "clusters.users.dns", "HOST:PORT")]
    [InlineData("dns: { address: users.shop:1, minRefresh: 0s }", "clusters.users.dns.minRefresh", "above 0s")]
    [InlineData("dns: { address: users.shop:1, minRefresh: 10s, maxRefresh: 5s }", "clusters.users.dns.maxRefresh", "below minRefresh")]
    [InlineData("dns: { address: users.shop:1, refresh: 5s }", "clusters.users.dns.refresh", "unknown key")]
    [InlineData("dns: { address: users.shop:1, maxRefresh: soon }", "clusters.users.dns.maxRefresh", "duration")]
    [InlineData("dns: [ a, b ]", "clusters.users.dns", "expected a mapping")]
    [InlineData("loadBalancing: roundRobin", "clusters.users.destinations", "or 'dns'")]
    public void Load_BadDnsCluster_ErrorNamesThePath(string cluster, string path, string message)
    {
        var errors = ConfigAssert.Errors(Routes + "\nclusters:\n  users:\n    " + cluster + "\n");

        Assert.Contains(errors, e => e.Path == path && e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("discovery: { dnsResolver: dns.example:53 }", "discovery.dnsResolver")]
    [InlineData("discovery: { dnsResolver: 127.0.0.1 }", "discovery.dnsResolver")]
    [InlineData("discovery: { dnsTimeout: 0s }", "discovery.dnsTimeout")]
    [InlineData("discovery: { resolver: 127.0.0.1:53 }", "discovery.resolver")]
    public void Load_BadDiscovery_ErrorNamesThePath(string discovery, string path)
    {
        var errors = ConfigAssert.Errors(discovery + "\n" + Routes + "\nclusters:\n  users:\n    dns: users.shop:50051\n");

        Assert.Contains(errors, e => e.Path == path);
    }
}
