using System.Text;
using MeshProxy.Transcoding.Descriptors;
using MeshProxy.Transcoding.Rules;

namespace MeshProxy.Fuzz.Targets;

/// <summary>
/// The path-template parser and the matcher. Input: a template, a newline, a request path (UTF-8). Invariants: a parsed
/// template re-parses from its text to the same key; a path spelled from the template (each wildcard filled) matches
/// it; matching any request path against it or the sample table never throws.
/// </summary>
internal sealed class PathTemplateTarget : FuzzTarget
{
    public override string Name => "template";

    public override void Run(ReadOnlySpan<byte> input)
    {
        var text = Encoding.UTF8.GetString(input);
        var newline = text.IndexOf('\n', StringComparison.Ordinal);
        var templateText = newline < 0 ? text : text[..newline];
        var requestPath = newline < 0 ? "/" : text[(newline + 1)..];

        // Any path against the sample table.
        _ = SamplePool.Table.Match("GET", requestPath);
        if (!PathTemplateParser.TryParse(templateText, out var template, out _))
        {
            return;
        }

        Check(PathTemplateParser.TryParse(template.Text, out var again, out _) && again.NormalizedKey == template.NormalizedKey, "the template's text does not re-parse to the same key");
        var table = OneRuleTable(template);
        var spelled = Spell(template);
        var match = table.Match("GET", spelled);
        Check(match.Kind == RuleMatchKind.Matched, $"\"{spelled}\" does not match its own template \"{template.Text}\"");
        Check(match.Variables.Count == template.Variables.Count, "a variable went missing in the match");
        var other = table.Match("GET", requestPath);
        Check(other.Kind != RuleMatchKind.Matched || other.Variables.Count == template.Variables.Count, "a variable went missing in the match");
    }

    /// <summary>A request path the template must match: literals as written, "*" as one segment, "**" as two.</summary>
    internal static string Spell(PathTemplate template)
    {
        var path = new StringBuilder();
        foreach (var segment in template.Segments)
        {
            path.Append('/').Append(segment.Kind switch
            {
                SegmentKind.Literal => segment.Literal,
                SegmentKind.Wildcard => "w",
                _ => "d1/d2",
            });
        }

        if (path.Length == 0)
        {
            path.Append('/');
        }

        if (template.Verb is not null)
        {
            path.Append(':').Append(template.Verb);
        }

        return path.ToString();
    }

    /// <summary>A table with the template alone, every variable bound to a string field.</summary>
    internal static HttpRuleTable OneRuleTable(PathTemplate template)
    {
        var input = SamplePool.Message("meshproxy.testing.v1.Everything");
        var field = input.FindField("f_string") ?? throw new InvalidOperationException("no f_string");
        var binding = new HttpBinding
        {
            GrpcPath = "/fuzz.Svc/Get",
            ServiceName = "fuzz.Svc",
            MethodName = "Get",
            Input = input,
            Output = input,
            ClientStreaming = false,
            ServerStreaming = false,
            HttpMethod = "GET",
            Template = template.Text,
            HasBody = false,
            Description = string.Empty,
        };
        IReadOnlyList<ProtoField> path = [field];
        return new HttpRuleTable(SamplePool.Pool, [new RouteEntry(binding, template, template.Variables.Select(_ => path).ToArray())]);
    }
}
