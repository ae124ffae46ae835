namespace MeshProxy.Discovery.Kube;

/// <summary>One endpoint of an <see cref="EndpointSlice"/> (the API's <c>Endpoint</c>): its addresses, readiness and pod.</summary>
internal sealed record SliceEndpoint
{
    public IReadOnlyList<string>? Addresses { get; init; }

    public EndpointConditions? Conditions { get; init; }

    public ObjectReference? TargetRef { get; init; }
}
