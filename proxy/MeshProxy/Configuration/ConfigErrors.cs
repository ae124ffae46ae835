namespace MeshProxy.Configuration;

/// <summary>Collects every error of a load so the operator sees them all at once.</summary>
internal sealed class ConfigErrors
{
    private readonly List<ConfigError> _errors = [];

    public IReadOnlyList<ConfigError> All => _errors;

    public bool HasErrors => _errors.Count > 0;

    public void Add(string path, string message) => _errors.Add(new ConfigError(path, message));
}
