namespace MeshProxy.Discovery.Kube;

/// <summary>
/// The in-cluster configuration (Kubernetes docs, "Accessing the Kubernetes API from a Pod"): the API server at
/// <c>KUBERNETES_SERVICE_HOST</c>:<c>KUBERNETES_SERVICE_PORT</c> over TLS signed by the mounted <c>ca.crt</c>, the
/// mounted (rotating) service-account token, and the pod's namespace from the mounted <c>namespace</c> file.
/// </summary>
internal static class ServiceAccountConfig
{
    public const string MountPath = "/var/run/secrets/kubernetes.io/serviceaccount";

    /// <summary>True inside a pod that has a service-account token mounted.</summary>
    public static bool IsAvailable =>
        Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST") is { Length: > 0 }
        && Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_PORT") is { Length: > 0 }
        && File.Exists(Path.Combine(MountPath, "token"));

    /// <summary>The pod's own settings, from its environment and <see cref="MountPath"/>.</summary>
    public static KubeApiSettings Read(TimeProvider time) =>
        Read(MountPath, Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST") ?? string.Empty,
            Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_PORT") ?? string.Empty, time);

    /// <summary>The settings from a service-account folder and the API server's host and port.</summary>
    public static KubeApiSettings Read(string directory, string host, string port, TimeProvider time)
    {
        // An IPv6 service address (dual-stack and IPv6 clusters) needs brackets in a URI.
        var authority = host.Contains(':', StringComparison.Ordinal) ? $"[{host}]:{port}" : $"{host}:{port}";
        if (!Uri.TryCreate("https://" + authority, UriKind.Absolute, out var server))
        {
            throw new KubeconfigException($"KUBERNETES_SERVICE_HOST '{host}' and KUBERNETES_SERVICE_PORT '{port}' do not make an address");
        }

        var caPath = Path.Combine(directory, "ca.crt");
        var namespacePath = Path.Combine(directory, "namespace");
        var @namespace = File.Exists(namespacePath) ? File.ReadAllText(namespacePath).Trim() : string.Empty;
        return new KubeApiSettings(server, @namespace.Length > 0 ? @namespace : "default", "service account")
        {
            Authority = File.Exists(caPath) ? KubeApiSettings.AuthorityFrom(File.ReadAllText(caPath), caPath) : null,
            Credentials = new TokenFileCredentials(Path.Combine(directory, "token"), time),
        };
    }
}
