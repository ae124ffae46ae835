namespace MeshProxy.Configuration;

/// <summary>Process-wide settings of service discovery (top-level <c>discovery:</c>); every key is optional.</summary>
/// <param name="DnsResolver">
/// <c>IP:PORT</c> of the DNS server that <c>dns</c> clusters ask (<c>127.0.0.1:5353</c>, <c>[::1]:53</c>); null (default)
/// for the system's resolvers from /etc/resolv.conf, which in a pod is the cluster DNS.
/// </param>
/// <param name="DnsTimeout">How long one DNS query may take before it counts as failed (one retry follows). Default 2s.</param>
internal sealed record DiscoveryConfig(string? DnsResolver, TimeSpan DnsTimeout)
{
    public static DiscoveryConfig Default { get; } = new(null, TimeSpan.FromSeconds(2));

    /// <summary>
    /// The kubeconfig file <c>kubernetes</c> clusters use to reach the API server (<c>discovery.kubeconfig</c>); null
    /// (default): the pod's service account inside a cluster, else $KUBECONFIG or ~/.kube/config.
    /// </summary>
    public string? Kubeconfig { get; init; }
}
