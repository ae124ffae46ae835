using System.Text;

namespace MeshProxy.Transcoding.Rules;

/// <summary>
/// A parsed http.proto path template: segments, variables and an optional verb. Built once at load by
/// <see cref="PathTemplateParser"/>; immutable.
/// </summary>
internal sealed class PathTemplate
{
    public PathTemplate(string text, IReadOnlyList<TemplateSegment> segments, IReadOnlyList<TemplateVariable> variables, string? verb)
    {
        Text = text;
        Segments = segments;
        Variables = variables;
        Verb = verb;
        DoubleWildcardIndex = -1;
        for (var i = 0; i < segments.Count; i++)
        {
            if (segments[i].Kind == SegmentKind.DoubleWildcard)
            {
                DoubleWildcardIndex = i;
            }
        }

        NormalizedKey = BuildKey();
    }

    /// <summary>The template as written.</summary>
    public string Text { get; }

    public IReadOnlyList<TemplateSegment> Segments { get; }

    public IReadOnlyList<TemplateVariable> Variables { get; }

    /// <summary>The custom verb without its colon (<c>cancel</c>), or null.</summary>
    public string? Verb { get; }

    /// <summary>Index of the one <c>**</c> segment, or -1.</summary>
    public int DoubleWildcardIndex { get; }

    /// <summary>The template with variable names erased (<c>/v1/*/x:verb</c>): two templates with the same key match
    /// exactly the same paths.</summary>
    public string NormalizedKey { get; }

    /// <summary>
    /// Specificity order (negative: <paramref name="a"/> is more specific). Segments compare left to right, literal before
    /// <c>*</c> before <c>**</c>; on a common prefix a template with a verb wins, then the longer one.
    /// </summary>
    public static int CompareSpecificity(PathTemplate a, PathTemplate b)
    {
        var common = Math.Min(a.Segments.Count, b.Segments.Count);
        for (var i = 0; i < common; i++)
        {
            var byKind = a.Segments[i].Kind.CompareTo(b.Segments[i].Kind);
            if (byKind != 0)
            {
                return byKind;
            }
        }

        var byVerb = (b.Verb is not null).CompareTo(a.Verb is not null);
        return byVerb != 0 ? byVerb : b.Segments.Count.CompareTo(a.Segments.Count);
    }

    public override string ToString() => Text;

    private string BuildKey()
    {
        var builder = new StringBuilder();
        foreach (var segment in Segments)
        {
            builder.Append('/').Append(segment.ToString());
        }

        if (Verb is not null)
        {
            builder.Append(':').Append(Verb);
        }

        return builder.Length == 0 ? "/" : builder.ToString();
    }
}
