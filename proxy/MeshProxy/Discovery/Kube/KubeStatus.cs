namespace MeshProxy.Discovery.Kube;

/// <summary>
/// The API server's <c>Status</c> object: the body of a failed request and the object of a watch's ERROR event
/// (<see cref="Code"/> 410 with reason <c>Expired</c>: the resourceVersion was compacted away).
/// </summary>
internal sealed record KubeStatus
{
    public int? Code { get; init; }

    public string? Reason { get; init; }

    public string? Message { get; init; }
}
