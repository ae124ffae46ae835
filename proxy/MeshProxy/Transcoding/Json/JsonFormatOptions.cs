namespace MeshProxy.Transcoding.Json;

/// <summary>How JSON output is written (protobuf.dev, "ProtoJSON format", JSON options).</summary>
internal sealed record JsonFormatOptions
{
    public static JsonFormatOptions Default { get; } = new();

    /// <summary>Also write fields without presence that hold their default value (EmitUnpopulated). Default: false.</summary>
    public bool EmitDefaultValues { get; init; }

    /// <summary>Write enum values as numbers rather than names. Default: false.</summary>
    public bool EnumsAsIntegers { get; init; }

    /// <summary>Write proto field names (<c>f_int32</c>) rather than lowerCamelCase JSON names. Default: false.</summary>
    public bool PreserveProtoFieldNames { get; init; }

    /// <summary>Indent the output. Only honoured when the codec creates the writer. Default: false.</summary>
    public bool Indented { get; init; }

    /// <summary>Deepest message nesting accepted. Default: 100.</summary>
    public int MaxDepth { get; init; } = 100;

    /// <summary>Largest protobuf input accepted, in bytes. Default: 64 MiB.</summary>
    public long MaxInputBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>
    /// Largest JSON output, in bytes, checked at each message. JSON can be far larger than its protobuf (with
    /// <see cref="EmitDefaultValues"/>, a 2-byte empty submessage becomes every default field), so this bounds the
    /// amplification a hostile payload can cause. Default: 256 MiB.
    /// </summary>
    public long MaxOutputBytes { get; init; } = 256L * 1024 * 1024;
}
