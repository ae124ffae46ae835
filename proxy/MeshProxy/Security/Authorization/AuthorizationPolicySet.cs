using MeshProxy.Configuration;

namespace MeshProxy.Security.Authorization;

/// <summary>
/// The <c>authorization:</c> section compiled at load (Istio AuthorizationPolicy semantics): every DENY policy first,
/// and a matching one refuses the call; then, if any ALLOW policy exists, the call passes only when one matches;
/// without ALLOW policies everything not denied passes. Policies are checked in file order within each action.
/// </summary>
internal sealed class AuthorizationPolicySet
{
    private readonly CompiledPolicy[] _deny;
    private readonly CompiledPolicy[] _allow;

    private AuthorizationPolicySet(CompiledPolicy[] deny, CompiledPolicy[] allow)
    {
        _deny = deny;
        _allow = allow;
    }

    /// <summary>The compiled set, or null when the config has no policy (calls then skip authorization entirely).</summary>
    public static AuthorizationPolicySet? Compile(EquatableArray<AuthorizationPolicyConfig> policies)
    {
        if (policies.Count == 0)
        {
            return null;
        }

        var compiled = policies.Select(p => new CompiledPolicy(p)).ToArray();
        return new AuthorizationPolicySet(
            [.. compiled.Where(p => p.Action == AuthorizationAction.Deny)],
            [.. compiled.Where(p => p.Action == AuthorizationAction.Allow)]);
    }

    public AuthorizationDecision Evaluate(in AuthorizationRequest request)
    {
        foreach (var policy in _deny)
        {
            if (policy.Match(request) is { } rule)
            {
                return policy.Denied[rule];
            }
        }

        if (_allow.Length == 0)
        {
            return AuthorizationDecision.NoMatchAllowed;
        }

        foreach (var policy in _allow)
        {
            if (policy.Match(request) is not null)
            {
                return policy.Allowed;
            }
        }

        return AuthorizationDecision.NoMatchDenied;
    }

    private sealed class CompiledPolicy
    {
        public CompiledPolicy(AuthorizationPolicyConfig config)
        {
            Action = config.Action ?? AuthorizationAction.Deny;
            Rules = [.. config.Rules.Select(r => new AuthorizationRule(r))];
            Allowed = AuthorizationDecision.AllowedBy(config.Name);
            Denied = [.. Enumerable.Range(0, Rules.Length).Select(i => AuthorizationDecision.DeniedBy(config.Name, i))];
        }

        public AuthorizationAction Action { get; }

        public AuthorizationRule[] Rules { get; }

        public AuthorizationDecision Allowed { get; }

        public AuthorizationDecision[] Denied { get; }

        /// <summary>The index of the first rule that matches, or null.</summary>
        public int? Match(in AuthorizationRequest request)
        {
            for (var i = 0; i < Rules.Length; i++)
            {
                if (Rules[i].IsMatch(request))
                {
                    return i;
                }
            }

            return null;
        }
    }
}
