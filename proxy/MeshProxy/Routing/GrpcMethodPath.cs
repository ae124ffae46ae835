namespace MeshProxy.Routing;

/// <summary>
/// The gRPC :path grammar (grpc/grpc doc/PROTOCOL-HTTP2.md): <c>"/" Service-Name "/" {method name}</c>, where the
/// service name is the fully qualified proto service (<c>package.Service</c>).
/// </summary>
internal static class GrpcMethodPath
{
    /// <summary>True for <c>/pkg.Svc/Method</c> and <c>/pkg.Svc/*</c> as written in a route's <c>method</c>.</summary>
    public static bool IsValidPattern(string pattern)
    {
        if (pattern.Length < 4 || pattern[0] != '/')
        {
            return false;
        }

        var slash = pattern.IndexOf('/', 1);
        if (slash < 0 || slash == pattern.Length - 1 || pattern.IndexOf('/', slash + 1) >= 0)
        {
            return false;
        }

        var service = pattern.AsSpan(1, slash - 1);
        var method = pattern.AsSpan(slash + 1);
        return IsQualifiedName(service) && (method is "*" || IsIdentifier(method));
    }

    /// <summary>True when the pattern names every method of a service.</summary>
    public static bool IsServiceWildcard(string pattern) => pattern.EndsWith("/*", StringComparison.Ordinal);

    /// <summary>The <c>/pkg.Svc/</c> part of a :path (with both slashes), or empty when it has no method part.</summary>
    public static ReadOnlySpan<char> ServicePart(ReadOnlySpan<char> path)
    {
        if (path.Length < 3 || path[0] != '/')
        {
            return [];
        }

        var slash = path[1..].IndexOf('/');
        return slash <= 0 ? [] : path[..(slash + 2)];
    }

    private static bool IsQualifiedName(ReadOnlySpan<char> name)
    {
        foreach (var part in name.Split('.'))
        {
            if (!IsIdentifier(name[part]))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsIdentifier(ReadOnlySpan<char> name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_')
        && name.IndexOfAnyExcept("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") < 0;
}
