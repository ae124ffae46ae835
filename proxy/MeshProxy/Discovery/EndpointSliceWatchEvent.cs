using System.Text.Json;
using System.Text.Json.Serialization;

namespace MeshProxy.Discovery;

/// <summary>
/// One line of a watch response (Kubernetes API concepts, "Efficient detection of changes"): <c>type</c> is ADDED,
/// MODIFIED, DELETED, BOOKMARK or ERROR; <c>object</c> is the EndpointSlice, or a <c>Status</c> for ERROR.
/// </summary>
internal sealed class EndpointSliceWatchEvent
{
    [JsonPropertyName("type")]
    public string? Type { get; set; }

    [JsonPropertyName("object")]
    public JsonElement Object { get; set; }
}
