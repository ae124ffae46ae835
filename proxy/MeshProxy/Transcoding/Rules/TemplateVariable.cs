namespace MeshProxy.Transcoding.Rules;

/// <summary>
/// A variable of a path template: the field path it binds (proto names) and the template segments
/// [<see cref="Start"/>, <see cref="End"/>) it captures. A variable over exactly one segment is single-segment (its value
/// is fully percent-decoded); any other is multi-segment (reserved characters stay encoded), per http.proto.
/// </summary>
internal sealed record TemplateVariable(IReadOnlyList<string> FieldPath, int Start, int End)
{
    public bool IsMultiSegment { get; init; }

    public string FieldPathText => string.Join('.', FieldPath);
}
