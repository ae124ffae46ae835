namespace MeshProxy.Discovery.Kube;

/// <summary>A list response: the slices and the collection's resourceVersion, where a watch resumes.</summary>
internal sealed record EndpointSliceList
{
    public ObjectMeta? Metadata { get; init; }

    public IReadOnlyList<EndpointSlice>? Items { get; init; }
}
