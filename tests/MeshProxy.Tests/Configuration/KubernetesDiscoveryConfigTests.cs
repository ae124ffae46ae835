using MeshProxy.Configuration;

namespace MeshProxy.Tests.Configuration;

/// <summary><c>kubernetes:</c> clusters and <c>discovery.kubeconfig</c>: reading, defaults, and every error with its path.</summary>
public sealed class KubernetesDiscoveryConfigTests
{
    private const string Routes = """
        routes:
          - name: users
            match: { prefix: / }
            cluster: users
        """;

    [Fact]
    public void Load_ServiceNamespacePort_EveryKeyRead()
    {
        var config = ConfigAssert.LoadValid("discovery: { kubeconfig: /home/me/.kube/config }\n" + Routes + """

            clusters:
              users:
                kubernetes: { service: users-v1, namespace: shop, port: grpc }
            """);

        Assert.Equal(new KubernetesDiscoveryConfig("users-v1", "shop", "grpc"), config.Clusters[0].Kubernetes);
        Assert.True(config.Clusters[0].Discovered);
        Assert.Equal("/home/me/.kube/config", config.Discovery.Kubeconfig);
        Assert.Equal("shop/users-v1:grpc", config.Clusters[0].Kubernetes!.Source);
    }

    [Fact]
    public void Load_OnlyService_NamespaceAndPortDefaultToNull()
    {
        var config = ConfigAssert.LoadValid(Routes + "\nclusters:\n  users:\n    kubernetes: { service: users }\n");

        Assert.Equal(new KubernetesDiscoveryConfig("users", null, null), config.Clusters[0].Kubernetes);
        Assert.Null(config.Discovery.Kubeconfig);
    }

    [Theory]
    [InlineData("kubernetes: { namespace: shop }", "clusters.users.kubernetes.service", "is required")]
    [InlineData("kubernetes: { service: Users_V1 }", "clusters.users.kubernetes.service", "not a Service name")]
    [InlineData("kubernetes: { service: users, namespace: Shop! }", "clusters.users.kubernetes.namespace", "not a namespace")]
    [InlineData("kubernetes: { service: users, port: 0 }", "clusters.users.kubernetes.port", "1 to 65535")]
    [InlineData("kubernetes: { service: users, port: a-much-too-long-port-name }", "clusters.users.kubernetes.port", "neither")]
    [InlineData("kubernetes: { service: users, selector: app=users }", "clusters.users.kubernetes.selector", "unknown key")]
    [InlineData("kubernetes: { service: users }\n    dns: users.shop:1", "clusters.users.kubernetes", "not both")]
    [InlineData("kubernetes: { service: users }\n    destinations: [ { address: \"http://127.0.0.1:1\" } ]", "clusters.users.destinations", "'kubernetes', not both")]
    [InlineData("kubernetes: users", "clusters.users.kubernetes", "expected a mapping")]
    public void Load_BadKubernetesCluster_ErrorNamesThePath(string cluster, string path, string message)
    {
        var errors = ConfigAssert.Errors(Routes + "\nclusters:\n  users:\n    " + cluster + "\n");

        Assert.Contains(errors, e => e.Path == path && e.Message.Contains(message, StringComparison.Ordinal));
    }
}
