namespace MeshProxy.Configuration;

/// <summary>
/// One policy of the <c>authorization:</c> section: it matches a call when any of its rules does, and then allows or
/// denies it. The name appears in the refusal message, the logs and <c>meshproxy_authz_decisions_total</c>.
/// </summary>
/// <param name="Name">Unique policy name ([a-z0-9-_.]+).</param>
/// <param name="Action">ALLOW or DENY (required).</param>
/// <param name="Rules">At least one rule; a rule with no condition matches every call.</param>
internal sealed record AuthorizationPolicyConfig(string Name, AuthorizationAction? Action, EquatableArray<AuthorizationRuleConfig> Rules);
