namespace MeshProxy.Discovery.Kube;

/// <summary>The metadata of an object or of a list (only <see cref="ResourceVersion"/> is set on a list).</summary>
internal sealed record ObjectMeta
{
    public string? Name { get; init; }

    public string? Namespace { get; init; }

    public string? ResourceVersion { get; init; }
}
