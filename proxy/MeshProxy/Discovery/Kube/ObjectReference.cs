namespace MeshProxy.Discovery.Kube;

/// <summary>What an endpoint belongs to (a Pod); its name names the destination.</summary>
internal sealed record ObjectReference
{
    public string? Kind { get; init; }

    public string? Name { get; init; }
}
