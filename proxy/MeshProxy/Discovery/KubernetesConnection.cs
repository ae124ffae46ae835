using k8s;
using MeshProxy.Configuration;

namespace MeshProxy.Discovery;

/// <summary>How the sidecar reaches the API server: a kubeconfig named in the config, else the pod's service account, else $KUBECONFIG or ~/.kube/config.</summary>
internal static class KubernetesConnection
{
    /// <summary>Builds the client; throws <see cref="k8s.Exceptions.KubeConfigException"/> (or an I/O error) when no configuration is found.</summary>
    public static (Kubernetes Client, string DefaultNamespace, string Server) Create(DiscoveryConfig config)
    {
        var configuration = config.Kubeconfig is { } path
            ? KubernetesClientConfiguration.BuildConfigFromConfigFile(path)
            : KubernetesClientConfiguration.IsInCluster()
                ? KubernetesClientConfiguration.InClusterConfig()
                : KubernetesClientConfiguration.BuildConfigFromConfigFile();

        // The namespace of the service account (in a pod) or of the kubeconfig's context.
        return (new Kubernetes(configuration), configuration.Namespace ?? "default", configuration.Host);
    }
}
