namespace MeshProxy.Configuration.Validation;

/// <summary>A prefix starts with '/', as every gRPC :path does; otherwise it could never match.</summary>
internal sealed class PrefixSyntaxValidator : IConfigValidator
{
    public void Validate(MeshProxyConfig config, ConfigErrors errors)
    {
        for (var i = 0; i < config.Routes.Count; i++)
        {
            if (config.Routes[i].Match.Prefix is { } prefix && !prefix.StartsWith('/'))
            {
                errors.Add($"{ConfigPaths.Match(i)}.prefix", $"'{prefix}' must start with '/'");
            }
        }
    }
}
