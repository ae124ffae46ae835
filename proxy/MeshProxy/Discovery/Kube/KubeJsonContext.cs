using System.Text.Json.Serialization;

namespace MeshProxy.Discovery.Kube;

/// <summary>
/// Source-generated JSON for the few API objects the sidecar reads (the API's camelCase names); unknown fields are
/// skipped, so newer API servers parse the same. No reflection, so Native AOT needs nothing more.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(EndpointSliceList))]
[JsonSerializable(typeof(EndpointSliceWatchEvent))]
[JsonSerializable(typeof(EndpointSlice))]
[JsonSerializable(typeof(KubeStatus))]
[JsonSerializable(typeof(ExecCredential))]
[JsonSerializable(typeof(string))]
internal sealed partial class KubeJsonContext : JsonSerializerContext;
