using System.Text.Json;

namespace MeshProxy.Discovery.Kube;

/// <summary>
/// One line of a watch response (Kubernetes API concepts, "Efficient detection of changes"): <c>type</c> is ADDED,
/// MODIFIED, DELETED, BOOKMARK or ERROR; <c>object</c> is the EndpointSlice, or a <c>Status</c> for ERROR.
/// </summary>
internal sealed record EndpointSliceWatchEvent
{
    public string? Type { get; init; }

    public JsonElement Object { get; init; }
}
