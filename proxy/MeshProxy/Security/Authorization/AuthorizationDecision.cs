namespace MeshProxy.Security.Authorization;

/// <summary>
/// The outcome of the policies for one call. Decisions are made once per policy when the config loads, so deciding
/// allocates nothing; <see cref="Policy"/> and <see cref="Action"/> are empty when no policy matched (the default).
/// </summary>
internal sealed class AuthorizationDecision
{
    private AuthorizationDecision(string policy, string action, bool allowed, string message)
    {
        Policy = policy;
        Action = action;
        Allowed = allowed;
        Message = message;
    }

    /// <summary>No policy matched and there is no ALLOW policy: the call passes.</summary>
    public static AuthorizationDecision NoMatchAllowed { get; } = new(string.Empty, string.Empty, allowed: true, string.Empty);

    /// <summary>ALLOW policies exist and none matched: the call is refused.</summary>
    public static AuthorizationDecision NoMatchDenied { get; } = new(string.Empty, string.Empty, allowed: false, "no ALLOW authorization policy matches this call");

    /// <summary>The policy that decided, or empty.</summary>
    public string Policy { get; }

    /// <summary>ALLOW or DENY: the action of the policy that decided, or empty.</summary>
    public string Action { get; }

    public bool Allowed { get; }

    /// <summary>What a refused caller is told (grpc-message, or the Status message of a REST 403).</summary>
    public string Message { get; }

    /// <summary>"allowed" or "denied", the <c>result</c> label.</summary>
    public string Result => Allowed ? "allowed" : "denied";

    public static AuthorizationDecision AllowedBy(string policy) => new(policy, "ALLOW", allowed: true, string.Empty);

    public static AuthorizationDecision DeniedBy(string policy, int rule) =>
        new(policy, "DENY", allowed: false, $"denied by authorization policy '{policy}' (DENY, rules[{rule}])");
}
