namespace MeshProxy.Configuration;

/// <summary>What a matching authorization policy does with a call (Istio AuthorizationPolicy <c>action</c>).</summary>
internal enum AuthorizationAction
{
    /// <summary>Lets the call through. Once any ALLOW policy exists, a call that matches none of them is denied.</summary>
    Allow,

    /// <summary>Refuses the call. DENY policies are checked before ALLOW policies and win.</summary>
    Deny,
}
