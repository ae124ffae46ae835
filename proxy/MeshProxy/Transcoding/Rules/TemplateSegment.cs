namespace MeshProxy.Transcoding.Rules;

/// <summary>One segment of a parsed path template; <see cref="Literal"/> is set for <see cref="SegmentKind.Literal"/>.</summary>
internal readonly record struct TemplateSegment(SegmentKind Kind, string? Literal)
{
    public override string ToString() => Kind switch
    {
        SegmentKind.Literal => Literal!,
        SegmentKind.Wildcard => "*",
        _ => "**",
    };
}
