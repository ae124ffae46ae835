using Microsoft.AspNetCore.Http;

namespace MeshProxy.Security.Authorization;

/// <summary>
/// The REST edge's verdict on a call it let through, as a feature of the REST context (the transcoded inner call sees
/// it through its layered features): the call is already authorized, and the claim headers it carries go upstream in
/// place of any copy the caller sent.
/// </summary>
internal sealed class EdgeAdmission(JwtClaims? claims, string[] claimHeaderNames, KeyValuePair<string, string>[] claimHeaders)
{
    /// <summary>The validated token's claims; null when the call had none.</summary>
    public JwtClaims? Claims { get; } = claims;

    /// <summary>Removes every configured claim header and sets those the token supplied.</summary>
    public void ApplyTo(IHeaderDictionary headers)
    {
        foreach (var name in claimHeaderNames)
        {
            headers.Remove(name);
        }

        foreach (var (name, value) in claimHeaders)
        {
            headers[name] = value;
        }
    }
}
