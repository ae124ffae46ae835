namespace MeshProxy.Configuration.Validation;

/// <summary>Every route has a name made of [a-z0-9-_.].</summary>
internal sealed class RouteNameValidator : IConfigValidator
{
    public void Validate(MeshProxyConfig config, ConfigErrors errors)
    {
        for (var i = 0; i < config.Routes.Count; i++)
        {
            var name = config.Routes[i].Name;
            if (name.Length == 0)
            {
                errors.Add($"{ConfigPaths.Route(i)}.name", "is required");
            }
            else if (!NameSyntax.IsValid(name))
            {
                errors.Add($"{ConfigPaths.Route(i)}.name", $"'{name}' may only contain a-z, 0-9, '-', '_' and '.'");
            }
        }
    }
}
