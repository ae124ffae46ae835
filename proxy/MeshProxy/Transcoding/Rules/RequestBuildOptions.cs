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

    // Path and query values are parsed strictly (an unknown enum name is an error, not a skipped value). Derived once per
    // options instance; keyed by the Json instance because `with` copies this field along.
    private (JsonParseOptions Source, JsonParseOptions Derived)? _textJson;

    /// <summary><see cref="Json"/> without <see cref="JsonParseOptions.IgnoreUnknownFields"/>, for path and query values.</summary>
    internal JsonParseOptions TextJson
    {
        get
        {
            var cached = _textJson;
            if (cached is { } c && ReferenceEquals(c.Source, Json))
            {
                return c.Derived;
            }

            var derived = Json with { IgnoreUnknownFields = false };
            _textJson = (Json, derived);
            return derived;
        }
    }
}
