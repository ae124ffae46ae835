namespace MeshProxy.Discovery.Kube;

/// <summary>One port of an <see cref="EndpointSlice"/>: the Service port's name and the pods' port number.</summary>
internal sealed record EndpointPort
{
    public string? Name { get; init; }

    public int? Port { get; init; }
}
