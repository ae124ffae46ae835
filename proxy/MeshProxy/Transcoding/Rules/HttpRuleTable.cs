using System.Collections.Frozen;
using MeshProxy.Transcoding.Descriptors;

namespace MeshProxy.Transcoding.Rules;

/// <summary>
/// Every REST binding of a descriptor pool, ready to match requests. Built by <see cref="HttpRuleTableBuilder"/>;
/// immutable and safe to share across threads.
/// <para>
/// Matching (per request, no regex): the path is split into segment ranges without allocating; each HTTP method has its
/// bindings sorted most specific first (<see cref="PathTemplate.CompareSpecificity"/>), so the first template that
/// matches wins whatever the file order was. A trailing <c>:x</c> is a verb only when some rule declares verb <c>x</c>;
/// templates are tried with the verb split off first, then with the colon as part of the last segment (a match there
/// beats a 405 under the verb reading).
/// </para>
/// </summary>
internal sealed class HttpRuleTable
{
    // Paths with more segments than this are split into a heap array instead of the stack.
    private const int StackSegments = 32;

    private readonly FrozenDictionary<string, RouteEntry[]> _byMethod;
    private readonly RouteEntry[] _all;
    private readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> _verbs;

    // The first segment of every template, when all are literals: a request whose first segment is none of them is a 404
    // without looking at any template (most stray requests). Null when some template starts with a wildcard.
    private readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>>? _firstSegments;

    internal HttpRuleTable(DescriptorPool pool, IReadOnlyList<RouteEntry> entries)
    {
        Pool = pool;
        _all = [.. entries.Select((e, i) => (e, i)).OrderBy(x => x.e.Template, Comparer<PathTemplate>.Create(PathTemplate.CompareSpecificity)).ThenBy(x => x.i).Select(x => x.e)];
        _byMethod = _all.GroupBy(e => e.Binding.HttpMethod, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
        _verbs = entries.Where(e => e.Template.Verb is not null).Select(e => e.Template.Verb!)
            .ToFrozenSet(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
        // The root template (no segment) stands for the empty first segment of the path "/".
        if (entries.All(e => e.Template.Segments.Count == 0 || e.Template.Segments[0].Kind == SegmentKind.Literal))
        {
            _firstSegments = entries.Select(e => e.Template.Segments.Count == 0 ? string.Empty : e.Template.Segments[0].Literal!)
                .ToFrozenSet(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
        }

        Bindings = [.. entries.Select(e => e.Binding)];
        Entries = entries;
    }

    public DescriptorPool Pool { get; }

    /// <summary>One per binding (additional bindings included), in declaration order.</summary>
    public IReadOnlyList<HttpBinding> Bindings { get; }

    /// <summary>The bindings with their parsed templates, in declaration order.</summary>
    internal IReadOnlyList<RouteEntry> Entries { get; }

    /// <summary>Matches a request.</summary>
    /// <param name="httpMethod">The request method, compared ordinally (HTTP methods are case-sensitive).</param>
    /// <param name="rawPath">The request path exactly as received (still percent-encoded), without the query string.</param>
    public RuleMatch Match(string httpMethod, string rawPath)
    {
        if (rawPath.Length == 0 || rawPath[0] != '/' || _all.Length == 0)
        {
            return RuleMatch.NotFound;
        }

        var body = rawPath.AsSpan(1);
        if (body.IsEmpty)
        {
            // "/" has no segment at all: only the root template (or a leading "**") matches it.
            return _firstSegments is { } roots && !roots.Contains(string.Empty) ? RuleMatch.NotFound : MatchPath(httpMethod, new RequestPath(rawPath, []), []);
        }

        var count = body.Count('/') + 1;
        Span<Range> ranges = count <= StackSegments ? stackalloc Range[StackSegments] : new Range[count];
        ranges = ranges[..body.Split(ranges, '/')];
        var path = new RequestPath(rawPath, ranges);
        if (_firstSegments is { } firstSegments && !FirstSegmentKnown(firstSegments, body[ranges[0]]))
        {
            return RuleMatch.NotFound;
        }

        // 1. With the verb split off, when the last segment ends in a declared verb.
        var last = ranges[^1];
        var lastSegment = body[last];
        var colon = lastSegment.LastIndexOf(':');
        if (colon >= 0 && _verbs.Contains(lastSegment[(colon + 1)..]))
        {
            var verb = lastSegment[(colon + 1)..];
            ranges[^1] = new Range(last.Start, last.Start.Value + colon);
            var withVerb = MatchPath(httpMethod, path, verb);
            if (withVerb.Kind == RuleMatchKind.Matched)
            {
                return withVerb;
            }

            // A 405 under the verb reading still loses to a binding that serves the request under the plain reading
            // (GET /v1/a:cancel with only POST declaring :cancel, and GET /v1/{name}).
            ranges[^1] = last;
            var plain = MatchPath(httpMethod, path, []);
            return plain.Kind == RuleMatchKind.Matched || withVerb.Kind == RuleMatchKind.NotFound ? plain : withVerb;
        }

        // 2. Without a verb: a colon, if any, belongs to the last segment.
        return MatchPath(httpMethod, path, []);
    }

    private static bool FirstSegmentKnown(FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> firstSegments, ReadOnlySpan<char> first)
    {
        if (firstSegments.Contains(first))
        {
            return true;
        }

        // A one-segment path may carry a verb ("/v1:batch" against the template "/v1:batch").
        var colon = first.LastIndexOf(':');
        return colon >= 0 && firstSegments.Contains(first[..colon]);
    }

    private RuleMatch MatchPath(string httpMethod, RequestPath path, ReadOnlySpan<char> verb)
    {
        if (_byMethod.TryGetValue(httpMethod, out var candidates))
        {
            foreach (var entry in candidates)
            {
                if (Matches(entry.Template, path, verb))
                {
                    return Capture(entry, path);
                }
            }
        }

        List<string>? allowed = null;
        foreach (var entry in _all)
        {
            var method = entry.Binding.HttpMethod;
            if ((allowed is null || !allowed.Contains(method)) && Matches(entry.Template, path, verb))
            {
                (allowed ??= []).Add(method);
            }
        }

        if (allowed is null)
        {
            return RuleMatch.NotFound;
        }

        allowed.Sort(StringComparer.Ordinal);
        return new RuleMatch(RuleMatchKind.MethodNotAllowed, null, [], string.Join(", ", allowed));
    }

    private static bool Matches(PathTemplate template, RequestPath path, ReadOnlySpan<char> verb)
    {
        if (template.Verb is null ? !verb.IsEmpty : !verb.SequenceEqual(template.Verb))
        {
            return false;
        }

        var segments = template.Segments;
        var n = path.Ranges.Length;
        var m = segments.Count;
        var doubleWildcard = template.DoubleWildcardIndex;
        if (doubleWildcard < 0 ? n != m : n < m - 1)
        {
            return false;
        }

        var extra = n - m;
        var text = path.Body;
        for (var i = 0; i < m; i++)
        {
            var segment = segments[i];
            if (segment.Kind == SegmentKind.DoubleWildcard)
            {
                continue;
            }

            var j = doubleWildcard >= 0 && i > doubleWildcard ? i + extra : i;
            var value = text[path.Ranges[j]];
            if (segment.Kind == SegmentKind.Literal ? !value.SequenceEqual(segment.Literal) : value.IsEmpty)
            {
                return false;
            }
        }

        return true;
    }

    private static RuleMatch Capture(RouteEntry entry, RequestPath path)
    {
        var variables = entry.Template.Variables;
        if (variables.Count == 0)
        {
            return new RuleMatch(RuleMatchKind.Matched, entry.Binding, [], null);
        }

        var n = path.Ranges.Length;
        var doubleWildcard = entry.Template.DoubleWildcardIndex;
        var extra = n - entry.Template.Segments.Count;
        var result = new PathVariable[variables.Count];
        for (var v = 0; v < variables.Count; v++)
        {
            var variable = variables[v];

            // Template segment i covers request segments [First(i), First(i + 1)): a '**' absorbs the extra ones.
            var first = FirstRequestSegment(variable.Start, doubleWildcard, extra);
            var end = FirstRequestSegment(variable.End, doubleWildcard, extra);
            var raw = first == end
                ? []
                : path.Body[path.Ranges[first].Start..path.Ranges[end - 1].End];
            var fields = entry.VariableFields[v];
            result[v] = PercentDecoder.TryDecodePath(raw, variable.IsMultiSegment, out var value, out var error)
                ? new PathVariable(fields, value)
                : new PathVariable(fields, raw.ToString()) { DecodeError = $"path variable '{variable.FieldPathText}': {error}" };
        }

        return new RuleMatch(RuleMatchKind.Matched, entry.Binding, result, null);
    }

    private static int FirstRequestSegment(int templateIndex, int doubleWildcard, int extra) =>
        doubleWildcard >= 0 && templateIndex > doubleWildcard ? templateIndex + extra : templateIndex;

    /// <summary>The request path after its leading '/', split into segment ranges.</summary>
    private readonly ref struct RequestPath(string rawPath, Span<Range> ranges)
    {
        public ReadOnlySpan<char> Body { get; } = rawPath.AsSpan(1);

        public Span<Range> Ranges { get; } = ranges;
    }
}
