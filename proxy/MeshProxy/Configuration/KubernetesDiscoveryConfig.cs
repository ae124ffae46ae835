namespace MeshProxy.Configuration;

/// <summary>
/// A cluster whose destinations are the ready endpoints of a Kubernetes Service
/// (<c>kubernetes: { service: users-v1, namespace: shop, port: grpc }</c>), watched through the API server's
/// EndpointSlices (discovery.k8s.io/v1, label <c>kubernetes.io/service-name</c>), as Linkerd's destination service
/// does. Ready endpoints take calls; serving-but-terminating ones take no new calls and finish theirs. While the API
/// server is away the last good set stays. Exclusive with <c>destinations</c> and <c>dns</c>.
/// </summary>
/// <param name="Service">The Service's name.</param>
/// <param name="Namespace">Its namespace; null (default) for the sidecar's own (the service account's namespace, else <c>default</c>).</param>
/// <param name="Port">
/// Which port of the slices: a port name (the Service port's name, <c>grpc</c>), or a number, used as the pods' port
/// when the slices name none. Default: the slices' only port.
/// </param>
internal sealed record KubernetesDiscoveryConfig(string Service, string? Namespace, string? Port)
{
    /// <summary><c>namespace/service:port</c> for logs and the admin listener.</summary>
    public string Source => $"{Namespace ?? "(own namespace)"}/{Service}{(Port is null ? string.Empty : ":" + Port)}";
}
