using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.Routing;

/// <summary>
/// Finds the route of a gRPC call; built once per config snapshot and read without locks.
/// <para>
/// Precedence, whatever the order in the file (the most specific wins, all comparisons case-sensitive):
/// 1. exact method (<c>/pkg.Svc/Method</c>), 2. whole service (<c>/pkg.Svc/*</c>), 3. prefix, longer first,
/// 4. regex, in file order. Among routes of the same path specificity (same method, same service, same prefix
/// length), the route with more header matchers is tried first, then file order. The first candidate whose headers
/// all match wins; if none does, the next specificity level is tried.
/// </para>
/// </summary>
internal sealed class RouteTable
{
    private readonly Dictionary<string, Route[]> _exact;
    private readonly Dictionary<string, Route[]>.AlternateLookup<ReadOnlySpan<char>> _exactLookup;
    private readonly Dictionary<string, Route[]> _services;
    private readonly Dictionary<string, Route[]>.AlternateLookup<ReadOnlySpan<char>> _serviceLookup;
    private readonly (string Prefix, Route Route)[] _prefixes;
    private readonly (Regex Regex, Route Route)[] _regexes;

    public RouteTable(IEnumerable<Route> routes)
    {
        var all = routes.ToList();
        Routes = all;
        _exact = Group(all.Where(r => r.Config.Match.Method is { } m && !GrpcMethodPath.IsServiceWildcard(m)), r => r.Config.Match.Method!);

        // "/pkg.Svc/*" is stored as "/pkg.Svc/" so the lookup key is a slice of the request path.
        _services = Group(all.Where(r => r.Config.Match.Method is { } m && GrpcMethodPath.IsServiceWildcard(m)), r => r.Config.Match.Method![..^1]);
        _exactLookup = _exact.GetAlternateLookup<ReadOnlySpan<char>>();
        _serviceLookup = _services.GetAlternateLookup<ReadOnlySpan<char>>();
        _prefixes = all.Where(r => r.Config.Match.Prefix is not null)
            .OrderByDescending(r => r.Config.Match.Prefix!.Length)
            .ThenByDescending(r => r.HeaderMatcherCount)
            .ThenBy(r => r.Order)
            .Select(r => (r.Config.Match.Prefix!, r))
            .ToArray();
        _regexes = all.Where(r => r.Config.Match.Regex is not null)
            .OrderBy(r => r.Order)
            .Select(r => (FullMatchRegex.Create(r.Config.Match.Regex!), r))
            .ToArray();
    }

    /// <summary>Every route, in file order (metrics read the live clusters through them).</summary>
    public IReadOnlyList<Route> Routes { get; }

    public Route? Match(string path, IHeaderDictionary headers)
    {
        if (_exactLookup.TryGetValue(path, out var exact) && FirstMatching(exact, headers) is { } byMethod)
        {
            return byMethod;
        }

        var service = GrpcMethodPath.ServicePart(path);
        if (!service.IsEmpty && _serviceLookup.TryGetValue(service, out var forService) && FirstMatching(forService, headers) is { } byService)
        {
            return byService;
        }

        foreach (var (prefix, route) in _prefixes)
        {
            if (path.StartsWith(prefix, StringComparison.Ordinal) && route.HeadersMatch(headers))
            {
                return route;
            }
        }

        foreach (var (regex, route) in _regexes)
        {
            if (FullMatchRegex.IsMatch(regex, path) && route.HeadersMatch(headers))
            {
                return route;
            }
        }

        return null;
    }

    /// <summary>
    /// Whether some route's method matcher takes <paramref name="path"/>, whatever its header matchers say: the services
    /// the sidecar routes, which server reflection describes.
    /// </summary>
    public bool RoutesPath(string path)
    {
        var service = GrpcMethodPath.ServicePart(path);
        return _exact.ContainsKey(path)
            || (!service.IsEmpty && _serviceLookup.ContainsKey(service))
            || _prefixes.Any(p => path.StartsWith(p.Prefix, StringComparison.Ordinal))
            || _regexes.Any(r => FullMatchRegex.IsMatch(r.Regex, path));
    }

    private static Route? FirstMatching(Route[] candidates, IHeaderDictionary headers)
    {
        foreach (var route in candidates)
        {
            if (route.HeadersMatch(headers))
            {
                return route;
            }
        }

        return null;
    }

    private static Dictionary<string, Route[]> Group(IEnumerable<Route> routes, Func<Route, string> key) =>
        routes.GroupBy(key, StringComparer.Ordinal)
            .ToDictionary(
                g => g.Key,
                g => g.OrderByDescending(r => r.HeaderMatcherCount).ThenBy(r => r.Order).ToArray(),
                StringComparer.Ordinal);
}
