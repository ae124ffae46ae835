namespace MeshProxy.Transcoding.Json;

/// <summary>How JSON input is read (protobuf.dev, "ProtoJSON format", JSON options).</summary>
internal sealed record JsonParseOptions
{
    public static JsonParseOptions Default { get; } = new();

    /// <summary>Skip fields (and enum value names) the message does not know instead of failing. Default: false.</summary>
    public bool IgnoreUnknownFields { get; init; }

    /// <summary>Match enum value names ignoring case. Default: false (the spec's exact match).</summary>
    public bool CaseInsensitiveEnums { get; init; }

    /// <summary>Deepest message nesting accepted (Struct and Value levels count). Default: 100, as Google.Protobuf.</summary>
    public int MaxDepth { get; init; } = 100;

    /// <summary>Largest JSON input accepted, in bytes. Default: 64 MiB.</summary>
    public long MaxInputBytes { get; init; } = 64L * 1024 * 1024;
}
