namespace MeshProxy.Configuration.Validation;

/// <summary>A header matcher names a header and has exactly one condition.</summary>
internal sealed class HeaderMatcherValidator : IConfigValidator
{
    public void Validate(MeshProxyConfig config, ConfigErrors errors)
    {
        for (var i = 0; i < config.Routes.Count; i++)
        {
            var headers = config.Routes[i].Match.Headers;
            for (var h = 0; h < headers.Count; h++)
            {
                Check(headers[h], ConfigPaths.Header(i, h), errors);
            }
        }
    }

    /// <summary>The rules of one header matcher at <paramref name="path"/> (routes and authorization rules share them).</summary>
    internal static void Check(HeaderMatchConfig header, string path, ConfigErrors errors)
    {
        if (header.Name.Length == 0)
        {
            errors.Add($"{path}.name", "is required");
        }
        else if (header.Name.StartsWith(':') || header.Name.AsSpan().ContainsAny(" \t\r\n:"))
        {
            errors.Add($"{path}.name", $"'{header.Name}' is not a header name");
        }

        CheckCondition(header, path, errors);
    }

    /// <summary>Exactly one of exact, prefix, regex, present.</summary>
    internal static void CheckCondition(HeaderMatchConfig match, string path, ConfigErrors errors)
    {
        if (match.ConditionCount != 1)
        {
            errors.Add(path, match.ConditionCount == 0
                ? "one of 'exact', 'prefix', 'regex' or 'present' is required"
                : "give exactly one of 'exact', 'prefix', 'regex' or 'present'");
        }
    }
}
