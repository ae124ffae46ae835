using System.Diagnostics.CodeAnalysis;
using MeshProxy.Configuration;

namespace MeshProxy.Cli.Canary;

/// <summary>The config text after a weight edit, or every reason the edit cannot be made.</summary>
internal sealed class CanaryEdit
{
    private CanaryEdit(string? text, IReadOnlyList<ConfigError> errors)
    {
        Text = text;
        Errors = errors;
    }

    public string? Text { get; }

    public IReadOnlyList<ConfigError> Errors { get; }

    [MemberNotNullWhen(true, nameof(Text))]
    public bool Succeeded => Text is not null;

    public static CanaryEdit Success(string text) => new(text, []);

    public static CanaryEdit Failure(IReadOnlyList<ConfigError> errors) => new(null, errors);

    public static CanaryEdit Failure(string path, string message) => new(null, [new ConfigError(path, message)]);
}
