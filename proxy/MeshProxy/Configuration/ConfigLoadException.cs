namespace MeshProxy.Configuration;

/// <summary>A config that cannot start the proxy; the message lists every error with its path.</summary>
internal sealed class ConfigLoadException : Exception
{
    public ConfigLoadException(IReadOnlyList<ConfigError> errors)
        : base("Invalid MeshProxy config:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  " + e)))
    {
        Errors = errors;
    }

    public ConfigLoadException()
        : this([])
    {
    }

    public ConfigLoadException(string message)
        : base(message)
    {
        Errors = [];
    }

    public ConfigLoadException(string message, Exception inner)
        : base(message, inner)
    {
        Errors = [];
    }

    public IReadOnlyList<ConfigError> Errors { get; }
}
