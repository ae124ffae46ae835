using System.Text.Json.Serialization;
using k8s.Models;

namespace MeshProxy.Discovery;

/// <summary>
/// Source-generated JSON for the watch stream, which <see cref="EndpointSliceWatchStream"/> reads itself: KubernetesClient.Aot
/// has no watch helper, and its own serializer context is internal. No reflection, so Native AOT needs nothing more.
/// </summary>
[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = false)]
[JsonSerializable(typeof(EndpointSliceWatchEvent))]
[JsonSerializable(typeof(V1EndpointSlice))]
[JsonSerializable(typeof(V1Status))]
internal sealed partial class DiscoveryJsonContext : JsonSerializerContext;
