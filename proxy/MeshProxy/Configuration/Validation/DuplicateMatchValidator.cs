namespace MeshProxy.Configuration.Validation;

/// <summary>
/// Two routes with the same match (same path condition and the same header conditions, in any order) can never both
/// be reached: the second is a mistake, reported with both paths.
/// </summary>
internal sealed class DuplicateMatchValidator : IConfigValidator
{
    public void Validate(MeshProxyConfig config, ConfigErrors errors)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < config.Routes.Count; i++)
        {
            var key = Key(config.Routes[i].Match);
            if (!seen.TryAdd(key, i))
            {
                var other = seen[key];
                errors.Add(ConfigPaths.Match(i),
                    $"same match as {ConfigPaths.Route(other)} ('{config.Routes[other].Name}'); route '{config.Routes[i].Name}' could never be chosen");
            }
        }
    }

    private static string Key(RouteMatchConfig match)
    {
        var headers = match.Headers
            .Select(h => $"{h.Name.ToLowerInvariant()}\0{h.Exact}\0{h.Prefix}\0{h.Regex}\0{h.Present}")
            .Order(StringComparer.Ordinal);
        return $"{match.Method}\u0001{match.Prefix}\u0001{match.Regex}\u0001{string.Join('\u0002', headers)}";
    }
}
