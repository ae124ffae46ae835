using MeshProxy.Configuration;

namespace MeshProxy.Discovery.Kube;

/// <summary>
/// How the sidecar reaches the API server, in client-go's order: the kubeconfig the config names
/// (<c>discovery.kubeconfig</c>), else the pod's service account, else <c>$KUBECONFIG</c> (a list, merged) or
/// <c>~/.kube/config</c>.
/// </summary>
internal static class KubeConnection
{
    /// <summary>The settings; a <see cref="KubeconfigException"/> when there are none or they cannot be used.</summary>
    public static KubeApiSettings Settings(DiscoveryConfig config, TimeProvider time)
    {
        if (config.Kubeconfig is { } path)
        {
            return File.Exists(path)
                ? KubeconfigReader.Read([path], time)
                : throw new KubeconfigException($"discovery.kubeconfig: no file at {path}");
        }

        if (ServiceAccountConfig.IsAvailable)
        {
            return ServiceAccountConfig.Read(time);
        }

        var paths = Environment.GetEnvironmentVariable("KUBECONFIG") is { Length: > 0 } list
            ? list.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            : [Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config")];
        return KubeconfigReader.Read(paths, time);
    }
}
