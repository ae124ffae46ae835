namespace MeshProxy.Configuration.Validation;

/// <summary>A route matches on exactly one of method, prefix and regex.</summary>
internal sealed class MatchKindValidator : IConfigValidator
{
    public void Validate(MeshProxyConfig config, ConfigErrors errors)
    {
        for (var i = 0; i < config.Routes.Count; i++)
        {
            var match = config.Routes[i].Match;
            var count = (match.Method is null ? 0 : 1) + (match.Prefix is null ? 0 : 1) + (match.Regex is null ? 0 : 1);
            if (count != 1)
            {
                errors.Add(ConfigPaths.Match(i), count == 0
                    ? "one of 'method', 'prefix' or 'regex' is required"
                    : "give exactly one of 'method', 'prefix' or 'regex'");
            }
        }
    }
}
