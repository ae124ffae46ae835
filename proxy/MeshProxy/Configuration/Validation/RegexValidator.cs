using System.Text.RegularExpressions;
using MeshProxy.Routing;

namespace MeshProxy.Configuration.Validation;

/// <summary>Every regular expression (route and header) compiles.</summary>
internal sealed class RegexValidator : IConfigValidator
{
    public void Validate(MeshProxyConfig config, ConfigErrors errors)
    {
        for (var i = 0; i < config.Routes.Count; i++)
        {
            var match = config.Routes[i].Match;
            Check(match.Regex, $"{ConfigPaths.Match(i)}.regex", errors);
            for (var h = 0; h < match.Headers.Count; h++)
            {
                Check(match.Headers[h].Regex, $"{ConfigPaths.Header(i, h)}.regex", errors);
            }
        }
    }

    internal static void Check(string? pattern, string path, ConfigErrors errors)
    {
        if (pattern is null)
        {
            return;
        }

        try
        {
            // Compile the pattern as written first, so an error message quotes the operator's text, not our anchors.
            _ = new Regex(pattern, RegexOptions.CultureInvariant, FullMatchRegex.MatchTimeout);
            _ = FullMatchRegex.Create(pattern);
        }
        catch (ArgumentException ex)
        {
            errors.Add(path, $"invalid regular expression: {ex.Message}");
        }
    }
}
