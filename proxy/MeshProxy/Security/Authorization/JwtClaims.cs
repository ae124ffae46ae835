using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;

namespace MeshProxy.Security.Authorization;

/// <summary>
/// The claims of a validated JWT, by name. An array claim has one value per element, as JsonWebToken reads it; numbers
/// and booleans are their JSON text; an object is its JSON.
/// </summary>
internal sealed class JwtClaims
{
    private readonly ILookup<string, string> _values;

    public JwtClaims(IEnumerable<Claim> claims) => _values = claims.ToLookup(c => c.Type, c => c.Value, StringComparer.Ordinal);

    public JwtClaims(JsonWebToken token)
        : this(token.Claims)
    {
        Principal = $"{token.Issuer}/{token.Subject}";
    }

    /// <summary><c>iss/sub</c>, the request principal as Istio names it; empty for claims built without a token.</summary>
    public string Principal { get; } = string.Empty;

    public IEnumerable<string> Values(string name) => _values[name];
}
