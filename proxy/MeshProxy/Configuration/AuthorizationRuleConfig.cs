namespace MeshProxy.Configuration;

/// <summary>
/// One rule of an authorization policy. Every condition given must hold (AND); within <c>principals</c> and
/// <c>methods</c> any entry may match (OR); every header and claim condition must hold. A condition left out is not
/// checked, so an empty rule matches every call.
/// </summary>
/// <param name="Principals">The caller's SPIFFE ID from its mTLS certificate; a cleartext caller has none and matches no entry.</param>
/// <param name="Methods"><c>/package.Service/Method</c> or <c>/package.Service/*</c>; a REST call is matched by the gRPC method it maps to.</param>
/// <param name="Headers">Request header conditions, as in a route's <c>match.headers</c>.</param>
/// <param name="Claims">Claims of the caller's validated JWT (REST listener, <c>jwt:</c>); a call without a token matches no claim condition except <c>present: false</c>.</param>
internal sealed record AuthorizationRuleConfig(
    EquatableArray<PrincipalMatchConfig> Principals,
    EquatableArray<string> Methods,
    EquatableArray<HeaderMatchConfig> Headers,
    EquatableArray<HeaderMatchConfig> Claims);
