namespace MeshProxy.Configuration.Validation;

/// <summary>Names of routes and clusters: [a-z0-9-_.]+, so they are safe in logs, metrics labels and URLs.</summary>
internal static class NameSyntax
{
    public static bool IsValid(string name) =>
        name.Length > 0 && name.AsSpan().IndexOfAnyExcept("abcdefghijklmnopqrstuvwxyz0123456789-_.") < 0;
}
