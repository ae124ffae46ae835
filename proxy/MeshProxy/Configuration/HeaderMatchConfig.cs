namespace MeshProxy.Configuration;

/// <summary>A condition on one request header; exactly one of the conditions is set.</summary>
/// <param name="Name">Header name, matched case-insensitively as HTTP requires.</param>
/// <param name="Exact">The value equals this (case-sensitive).</param>
/// <param name="Prefix">The value starts with this (case-sensitive).</param>
/// <param name="Regex">The whole value matches this regular expression.</param>
/// <param name="Present">true: the header must be present; false: it must be absent.</param>
internal sealed record HeaderMatchConfig(string Name, string? Exact, string? Prefix, string? Regex, bool? Present)
{
    public int ConditionCount =>
        (Exact is null ? 0 : 1) + (Prefix is null ? 0 : 1) + (Regex is null ? 0 : 1) + (Present is null ? 0 : 1);
}
