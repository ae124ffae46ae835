namespace MeshProxy.Transcoding.Rules;

/// <summary>The outcome of <see cref="HttpRuleTable.Match"/>.</summary>
internal enum RuleMatchKind
{
    /// <summary>A binding matched the method and the path.</summary>
    Matched,

    /// <summary>No template matches the path: 404.</summary>
    NotFound,

    /// <summary>Some template matches the path, none with this HTTP method: 405 with <c>Allow</c>.</summary>
    MethodNotAllowed,
}
