namespace MeshProxy.Discovery.Kube;

/// <summary>An endpoint's conditions; null means unknown, which the API defines as ready for <see cref="Ready"/>.</summary>
internal sealed record EndpointConditions
{
    public bool? Ready { get; init; }

    public bool? Serving { get; init; }

    public bool? Terminating { get; init; }
}
