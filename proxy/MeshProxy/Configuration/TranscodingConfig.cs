namespace MeshProxy.Configuration;

/// <summary>
/// The <c>transcoding:</c> section: which gRPC methods the REST listener exposes as HTTP/JSON (google.api.http rules)
/// and how JSON is read and written. Absent section: the REST listener answers every request with 404.
/// </summary>
internal sealed record TranscodingConfig
{
    /// <summary>The keyword for the descriptor set that ships next to the executable (<c>descriptor-set.pb</c>).</summary>
    public const string BuiltinDescriptorSet = "builtin";

    /// <summary>Default for <see cref="MaxRequestBodyBytes"/>: 4 MiB.</summary>
    public const int DefaultMaxRequestBodyBytes = 4 * 1024 * 1024;

    /// <summary>Default for <see cref="ResponseMetadataPrefix"/>.</summary>
    public const string DefaultResponseMetadataPrefix = "grpc-metadata-";

    /// <summary>
    /// Binary <c>FileDescriptorSet</c> files (protoc <c>--include_imports --include_source_info</c>), merged in order.
    /// A relative path is resolved against the config file's directory (the working directory for a config given
    /// as text); <c>builtin</c> is the descriptor set shipped next to the executable. Required, at least one.
    /// </summary>
    public EquatableArray<string> DescriptorSets { get; init; } = EquatableArray<string>.Empty;

    /// <summary>Full service names to expose; empty (default) exposes every service that has HTTP rules.</summary>
    public EquatableArray<string> Services { get; init; } = EquatableArray<string>.Empty;

    /// <summary>Also expose methods without rules as <c>POST /pkg.Service/Method</c> with the JSON body. Default false.</summary>
    public bool UnannotatedMethods { get; init; }

    /// <summary>Write fields that hold their default value (0, "", false, []). Default true.</summary>
    public bool EmitDefaultValues { get; init; } = true;

    /// <summary>Reject JSON fields the message does not declare with 400. Default false (ignored).</summary>
    public bool RejectUnknownFields { get; init; }

    /// <summary>Reject query parameters that name no field with 400. Default false (ignored).</summary>
    public bool RejectUnknownQueryParameters { get; init; }

    /// <summary>The largest request body (or, for client streaming, the largest single message) in bytes; larger is 413. Default 4 MiB.</summary>
    public int MaxRequestBodyBytes { get; init; } = DefaultMaxRequestBodyBytes;

    /// <summary>
    /// Request headers with one of these prefixes are forwarded as gRPC metadata, besides <c>authorization</c>,
    /// <c>x-request-id</c>, <c>traceparent</c> and <c>tracestate</c> that always are. Default none.
    /// </summary>
    public EquatableArray<string> ForwardedHeaderPrefixes { get; init; } = EquatableArray<string>.Empty;

    /// <summary>Response metadata (headers and, for unary calls, trailers) comes back as headers named prefix + key. Default <c>grpc-metadata-</c>.</summary>
    public string ResponseMetadataPrefix { get; init; } = DefaultResponseMetadataPrefix;
}
