namespace MeshProxy.Configuration;

/// <summary>A condition on the caller's SPIFFE ID; exactly one form is set.</summary>
/// <param name="Exact">The ID equals this: <c>spiffe://example.org/ns/shop/sa/web</c>.</param>
/// <param name="Prefix">The ID starts with this: <c>spiffe://example.org/ns/shop/</c> (any workload of the namespace).</param>
/// <param name="Glob">A SPIFFE ID in which a segment (the trust domain or one path segment) may be <c>*</c>, matching
/// exactly one non-empty segment: <c>spiffe://example.org/ns/*/sa/web</c>. A bare <c>*</c> matches any identity.</param>
internal sealed record PrincipalMatchConfig(string? Exact, string? Prefix, string? Glob)
{
    public int FormCount => (Exact is null ? 0 : 1) + (Prefix is null ? 0 : 1) + (Glob is null ? 0 : 1);
}
