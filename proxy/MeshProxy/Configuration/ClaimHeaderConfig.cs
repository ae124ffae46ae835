namespace MeshProxy.Configuration;

/// <summary>One entry of <c>jwt.claimHeaders</c>: the validated token's <paramref name="Claim"/> goes upstream as <paramref name="Header"/>.</summary>
internal sealed record ClaimHeaderConfig(string Claim, string Header);
