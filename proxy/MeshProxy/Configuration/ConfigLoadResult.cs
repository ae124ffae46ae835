using System.Diagnostics.CodeAnalysis;

namespace MeshProxy.Configuration;

/// <summary>A loaded and validated config, or every error that stopped it.</summary>
internal sealed class ConfigLoadResult
{
    private ConfigLoadResult(MeshProxyConfig? config, IReadOnlyList<ConfigError> errors)
    {
        Config = config;
        Errors = errors;
    }

    public MeshProxyConfig? Config { get; }

    public IReadOnlyList<ConfigError> Errors { get; }

    [MemberNotNullWhen(true, nameof(Config))]
    public bool Succeeded => Config is not null;

    public static ConfigLoadResult Success(MeshProxyConfig config) => new(config, []);

    public static ConfigLoadResult Failure(IReadOnlyList<ConfigError> errors) => new(null, errors);
}
