using MeshProxy.Grpc;
using MeshProxy.Transcoding.Json;

namespace MeshProxy.Cli.Call;

/// <summary>The parsed command line of <see cref="CallCommand"/>.</summary>
internal sealed record CallArguments
{
    /// <summary>The server, as an absolute http URI (h2c).</summary>
    public required Uri Address { get; init; }

    /// <summary>The method as the user wrote it; <see cref="MethodResolver"/> finds it in the descriptor set.</summary>
    public required string Method { get; init; }

    /// <summary>The -d value: JSON text, <c>@FILE</c> or <c>@-</c> for stdin. Default <c>{}</c>.</summary>
    public string Data { get; init; } = "{}";

    public IReadOnlyList<MetadataEntry> Headers { get; init; } = [];

    /// <summary>Sent as grpc-timeout through the call's deadline; none when null.</summary>
    public TimeSpan? Timeout { get; init; }

    public bool Verbose { get; init; }

    /// <summary>Default: descriptor-set.pb next to the executable, which holds the sample services.</summary>
    public string DescriptorSet { get; init; } = Path.Combine(AppContext.BaseDirectory, "descriptor-set.pb");

    public JsonFormatOptions Format { get; init; } = JsonFormatOptions.Default with { Indented = true };
}
