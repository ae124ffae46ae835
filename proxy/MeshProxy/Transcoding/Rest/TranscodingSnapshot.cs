using System.Collections.Frozen;
using MeshProxy.Configuration;
using MeshProxy.Transcoding.Descriptors;
using MeshProxy.Transcoding.Json;
using MeshProxy.Transcoding.Rules;

namespace MeshProxy.Transcoding.Rest;

/// <summary>
/// Everything a REST call reads, built once per config and descriptor set content: the rule table and the options
/// derived from the <c>transcoding:</c> section. Immutable; a call reads one snapshot and keeps it to its end.
/// </summary>
internal sealed class TranscodingSnapshot
{
    private readonly Lazy<byte[]> _openApi;

    public TranscodingSnapshot(TranscodingConfig config, HttpRuleTable table, IReadOnlyList<string> files, string hash, FrozenSet<string>? idempotentMethods = null)
    {
        IdempotentMethods = idempotentMethods ?? FrozenSet<string>.Empty;
        Config = config;
        Table = table;
        Files = files;
        Hash = hash;
        BuildOptions = new RequestBuildOptions
        {
            RejectUnknownQueryParameters = config.RejectUnknownQueryParameters,
            Json = new JsonParseOptions { IgnoreUnknownFields = !config.RejectUnknownFields },
        };
        FormatOptions = new JsonFormatOptions { EmitDefaultValues = config.EmitDefaultValues };
        _openApi = new Lazy<byte[]>(() => OpenApiDocumentWriter.Write(table, "MeshProxy REST API", serverUrl: null));
    }

    public TranscodingConfig Config { get; }

    /// <summary>The linked descriptor sets (the Connect protocol's JSON codec reads every method from them, annotated or not).</summary>
    public DescriptorPool? Pool { get; init; }

    public HttpRuleTable Table { get; }

    /// <summary>The resolved descriptor set files.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>SHA-256 over the descriptor set files' content.</summary>
    public string Hash { get; }

    /// <summary>
    /// <c>/pkg.Service/Method</c> of every method whose options say <c>idempotency_level</c> NO_SIDE_EFFECTS or
    /// IDEMPOTENT: calls to them may be retried after a reset and hedged.
    /// </summary>
    public FrozenSet<string> IdempotentMethods { get; }

    public RequestBuildOptions BuildOptions { get; }

    public JsonFormatOptions FormatOptions { get; }

    /// <summary>
    /// The HTTP rules left out of <see cref="Table"/>, each naming its method and why (a template we cannot parse, an
    /// unknown field, a clash). One bad rule must not take the whole descriptor set down: Envoy and grpc-gateway skip
    /// what they cannot bind too. Logged when the snapshot goes live and printed by <c>meshproxy validate</c> (issue 12).
    /// </summary>
    public IReadOnlyList<string> RefusedRules { get; init; } = [];

    /// <summary>The OpenAPI document of the table, written on first use and then served from memory.</summary>
    public byte[] OpenApi => _openApi.Value;
}
