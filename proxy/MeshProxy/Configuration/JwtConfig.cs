namespace MeshProxy.Configuration;

/// <summary>
/// The <c>jwt:</c> section: the REST listener validates <c>Authorization: Bearer</c> tokens (RS256, ES256) against the
/// keys of a JWKS file that is watched and reloaded, checks <c>iss</c>, <c>aud</c>, <c>exp</c> and <c>nbf</c>, and passes
/// chosen claims upstream as gRPC metadata. Absent section: REST calls are not authenticated.
/// </summary>
internal sealed record JwtConfig
{
    /// <summary>Default for <see cref="ClockSkew"/>: 30 seconds.</summary>
    public static readonly TimeSpan DefaultClockSkew = TimeSpan.FromSeconds(30);

    /// <summary>The required <c>iss</c> claim (exact). Required.</summary>
    public string Issuer { get; init; } = string.Empty;

    /// <summary>Accepted <c>aud</c> values; the token must name at least one. Required, at least one.</summary>
    public EquatableArray<string> Audiences { get; init; } = EquatableArray<string>.Empty;

    /// <summary>
    /// The JWKS (RFC 7517) with the issuer's public keys. A relative path resolves against the config file's directory.
    /// The file is watched: a rotated key set is used within seconds; one that does not load is logged and the last good
    /// set stays. Required.
    /// </summary>
    public string JwksFile { get; init; } = string.Empty;

    /// <summary>
    /// true (default): a REST call without a bearer token gets 401. false: such a call goes on without claims, and
    /// authorization policies decide (a rule with <c>claims</c> then requires a token for the methods it covers).
    /// A token that is present but invalid is refused with 401 either way.
    /// </summary>
    public bool Required { get; init; } = true;

    /// <summary>Tolerance for <c>exp</c> and <c>nbf</c> against this host's clock. Default 30s, at most 5m.</summary>
    public TimeSpan ClockSkew { get; init; } = DefaultClockSkew;

    /// <summary>
    /// Claim name to gRPC metadata header (lowercase): the claim's value goes upstream in that header (an array's
    /// values joined by ','), and any copy of these headers sent by the caller is removed first. Default none.
    /// </summary>
    public EquatableArray<ClaimHeaderConfig> ClaimHeaders { get; init; } = EquatableArray<ClaimHeaderConfig>.Empty;
}
