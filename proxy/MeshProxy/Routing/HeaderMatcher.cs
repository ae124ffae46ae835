using System.Text.RegularExpressions;
using MeshProxy.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace MeshProxy.Routing;

/// <summary>
/// One compiled header condition. A header sent several times is matched on its values joined by ',' (RFC 9110 §5.3),
/// as Envoy does.
/// </summary>
internal sealed class HeaderMatcher
{
    private readonly string _name;
    private readonly string? _exact;
    private readonly string? _prefix;
    private readonly Regex? _regex;
    private readonly bool? _present;

    public HeaderMatcher(HeaderMatchConfig config)
    {
        _name = config.Name;
        _exact = config.Exact;
        _prefix = config.Prefix;
        _regex = config.Regex is null ? null : FullMatchRegex.Create(config.Regex);
        _present = config.Present;
    }

    public bool IsMatch(IHeaderDictionary headers)
    {
        var values = headers.TryGetValue(_name, out var found) ? found : StringValues.Empty;
        if (_present is { } present)
        {
            return present == (values.Count > 0);
        }

        if (values.Count == 0)
        {
            return false;
        }

        var value = values.Count == 1 ? values[0] ?? string.Empty : string.Join(',', values.ToArray());
        return IsValueMatch(value);
    }

    /// <summary>The condition's presence test: true or false for a <c>present</c> condition, null for a value condition.</summary>
    public bool? Present => _present;

    /// <summary>The exact, prefix or regex condition on one value (authorization applies it to JWT claim values too).</summary>
    public bool IsValueMatch(string value) =>
        _exact is not null ? string.Equals(value, _exact, StringComparison.Ordinal)
        : _prefix is not null ? value.StartsWith(_prefix, StringComparison.Ordinal)
        : _regex is not null && FullMatchRegex.IsMatch(_regex, value);
}
