using MeshProxy.Transcoding.Json;

namespace MeshProxy.Cli;

/// <summary>The parsed command line of <see cref="ConvertCommand"/>.</summary>
internal sealed record ConvertArguments
{
    public string DescriptorSet { get; init; } = string.Empty;

    public string TypeName { get; init; } = string.Empty;

    public bool FromJson { get; init; }

    public bool ToJson { get; init; }

    public JsonFormatOptions FormatOptions { get; init; } = JsonFormatOptions.Default;

    public bool IgnoreUnknown { get; init; }

    public bool CaseInsensitiveEnums { get; init; }
}
