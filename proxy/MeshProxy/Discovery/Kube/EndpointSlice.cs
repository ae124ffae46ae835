namespace MeshProxy.Discovery.Kube;

/// <summary>
/// The fields of a <c>discovery.k8s.io/v1</c> EndpointSlice the sidecar reads (Kubernetes API reference,
/// "EndpointSlice v1"); the rest of the object is skipped when it is parsed.
/// </summary>
internal sealed record EndpointSlice
{
    public ObjectMeta? Metadata { get; init; }

    /// <summary><c>IPv4</c>, <c>IPv6</c> or <c>FQDN</c>.</summary>
    public string? AddressType { get; init; }

    public IReadOnlyList<SliceEndpoint>? Endpoints { get; init; }

    public IReadOnlyList<EndpointPort>? Ports { get; init; }
}
