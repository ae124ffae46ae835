namespace MeshProxy.Transcoding.Rules;

/// <summary>
/// The result of matching one request. <see cref="Binding"/> is set when <see cref="Kind"/> is
/// <see cref="RuleMatchKind.Matched"/>; <see cref="Allow"/> (e.g. <c>"GET, DELETE"</c>) when it is
/// <see cref="RuleMatchKind.MethodNotAllowed"/>.
/// </summary>
internal readonly record struct RuleMatch(RuleMatchKind Kind, HttpBinding? Binding, IReadOnlyList<PathVariable> Variables, string? Allow)
{
    public static RuleMatch NotFound { get; } = new(RuleMatchKind.NotFound, null, [], null);
}
