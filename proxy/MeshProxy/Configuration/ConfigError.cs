namespace MeshProxy.Configuration;

/// <summary>One problem in a config, located by its path (<c>routes[2].match.method</c>).</summary>
internal sealed record ConfigError(string Path, string Message)
{
    public override string ToString() => Path.Length == 0 ? Message : $"{Path}: {Message}";
}
