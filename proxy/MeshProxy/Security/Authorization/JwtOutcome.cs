namespace MeshProxy.Security.Authorization;

/// <summary>What the REST edge learned from a request's bearer token.</summary>
/// <param name="Claims">The validated token's claims; null when there was no token or it was refused.</param>
/// <param name="Error">Why the token was refused (the RFC 6750 <c>error_description</c>); null when valid or absent.</param>
internal readonly record struct JwtOutcome(JwtClaims? Claims, string? Error)
{
    public static JwtOutcome Missing => default;

    public bool IsMissing => Claims is null && Error is null;
}
