namespace MeshProxy.Configuration.Validation;

/// <summary>Route names are unique: logs, metrics and the admin dump identify routes by name.</summary>
internal sealed class UniqueRouteNameValidator : IConfigValidator
{
    public void Validate(MeshProxyConfig config, ConfigErrors errors)
    {
        var first = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < config.Routes.Count; i++)
        {
            var name = config.Routes[i].Name;
            if (name.Length > 0 && !first.TryAdd(name, i))
            {
                errors.Add($"{ConfigPaths.Route(i)}.name", $"'{name}' is already the name of {ConfigPaths.Route(first[name])}");
            }
        }
    }
}
