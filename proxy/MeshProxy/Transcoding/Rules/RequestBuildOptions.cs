using MeshProxy.Transcoding.Json;

namespace MeshProxy.Transcoding.Rules;

/// <summary>How <see cref="RequestMessageBuilder"/> reads a REST request.</summary>
internal sealed record RequestBuildOptions
{
    public static RequestBuildOptions Default { get; } = new();

    /// <summary>Answer 400 to a query parameter that names no field of the request message. Default: false (ignored,
    /// as grpc-gateway and Envoy do).</summary>
    public bool RejectUnknownQueryParameters { get; init; }

    /// <summary>How JSON bodies are parsed. Default: unknown fields ignored.</summary>
    public JsonParseOptions Json { get; init; } = new() { IgnoreUnknownFields = true };
}
