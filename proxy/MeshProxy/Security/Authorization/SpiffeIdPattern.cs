using MeshProxy.Configuration;

namespace MeshProxy.Security.Authorization;

/// <summary>
/// One compiled <c>principals</c> entry: an exact SPIFFE ID, a prefix, or a glob whose <c>*</c> segments each match one
/// non-empty segment (the trust domain counts as a segment: <c>spiffe://*/ns/a/sa/b</c>). A bare <c>*</c> matches any
/// caller that has an identity. Segments are split on '/', which SPIFFE IDs never escape (SPIFFE-ID.md §2.2).
/// </summary>
internal sealed class SpiffeIdPattern
{
    private const string Scheme = "spiffe://";
    private readonly string? _exact;
    private readonly string? _prefix;
    private readonly string?[]? _segments;
    private readonly bool _any;

    public SpiffeIdPattern(PrincipalMatchConfig config)
    {
        _exact = config.Exact;
        _prefix = config.Prefix;
        if (config.Glob is "*")
        {
            _any = true;
        }
        else if (config.Glob is { } glob)
        {
            // null stands for '*'.
            _segments = [.. glob[Scheme.Length..].Split('/').Select(s => s == "*" ? null : s)];
        }
    }

    /// <summary>True for <c>*</c>, or a SPIFFE ID whose segments are valid once each <c>*</c> segment stands for one.</summary>
    public static bool IsValidGlob(string glob)
    {
        if (glob == "*")
        {
            return true;
        }

        if (!glob.StartsWith(Scheme, StringComparison.Ordinal))
        {
            return false;
        }

        var probe = Scheme + string.Join('/', glob[Scheme.Length..].Split('/').Select(s => s == "*" ? "x" : s));
        return SpiffeId.IsValid(probe, out _);
    }

    public bool IsMatch(string id)
    {
        if (_exact is not null)
        {
            return string.Equals(id, _exact, StringComparison.Ordinal);
        }

        if (_prefix is not null)
        {
            return id.StartsWith(_prefix, StringComparison.Ordinal);
        }

        if (_any)
        {
            return true;
        }

        return _segments is not null && IsGlobMatch(id.AsSpan(), _segments);
    }

    private static bool IsGlobMatch(ReadOnlySpan<char> id, string?[] segments)
    {
        if (!id.StartsWith(Scheme, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = id[Scheme.Length..];
        var index = 0;
        foreach (var range in rest.Split('/'))
        {
            if (index == segments.Length)
            {
                return false;
            }

            var segment = rest[range];
            var expected = segments[index++];
            if (expected is null ? segment.IsEmpty : !segment.SequenceEqual(expected))
            {
                return false;
            }
        }

        return index == segments.Length;
    }
}
