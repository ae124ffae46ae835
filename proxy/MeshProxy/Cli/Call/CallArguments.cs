using Grpc.Core;
using MeshProxy.Transcoding.Json;

namespace MeshProxy.Cli.Call;

/// <summary>The parsed command line of <see cref="CallCommand"/>.</summary>
internal sealed record CallArguments
{
    /// <summary>The server, as an absolute http URI (h2c).</summary>
    public required Uri Address { get; init; }

    public CallMode Mode { get; init; } = CallMode.Call;

    /// <summary>
    /// <see cref="CallMode.Call"/>: the method as the user wrote it, which <see cref="MethodResolver"/> finds.
    /// <see cref="CallMode.List"/>: the service whose methods to list, or empty for every service.
    /// <see cref="CallMode.Describe"/>: the symbol to describe.
    /// </summary>
    public required string Target { get; init; }

    /// <summary>The -d value: JSON text, <c>@FILE</c> or <c>@-</c> for stdin. Default <c>{}</c>.</summary>
    public string Data { get; init; } = "{}";

    public IReadOnlyList<Metadata.Entry> Headers { get; init; } = [];

    /// <summary>Sent as grpc-timeout through the call's deadline; none when null.</summary>
    public TimeSpan? Timeout { get; init; }

    public bool Verbose { get; init; }

    /// <summary>Default: descriptor-set.pb next to the executable, which holds the sample services.</summary>
    public string DescriptorSet { get; init; } = Path.Combine(AppContext.BaseDirectory, "descriptor-set.pb");

    public JsonFormatOptions Format { get; init; } = JsonFormatOptions.Default with { Indented = true };
}
