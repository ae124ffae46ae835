using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace MeshProxy.TestSupport;

/// <summary>
/// A signing key made in the test (RSA 2048 for RS256 or P-256 for ES256) that signs JWTs and publishes its public half
/// as a JWK, so a test writes the JWKS file the sidecar reads and sends tokens only it could have signed.
/// </summary>
public sealed class TestJwtIssuer : IDisposable
{
    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly AsymmetricAlgorithm _key;
    private readonly SigningCredentials _credentials;

    private TestJwtIssuer(AsymmetricAlgorithm key, SecurityKey securityKey, string algorithm, JsonWebKey publicJwk)
    {
        _key = key;
        _credentials = new SigningCredentials(securityKey, algorithm);
        PublicJwk = publicJwk;
    }

    public JsonWebKey PublicJwk { get; }

    public static TestJwtIssuer Rsa(string kid)
    {
        var rsa = RSA.Create(2048);
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(rsa.ExportParameters(includePrivateParameters: false)));
        jwk.KeyId = kid;
        return new TestJwtIssuer(rsa, new RsaSecurityKey(rsa) { KeyId = kid }, SecurityAlgorithms.RsaSha256, jwk);
    }

    public static TestJwtIssuer Ecdsa(string kid)
    {
        var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var publicKey = ECDsa.Create(ecdsa.ExportParameters(includePrivateParameters: false));
        var jwk = JsonWebKeyConverter.ConvertFromECDsaSecurityKey(new ECDsaSecurityKey(publicKey));
        jwk.KeyId = kid;
        return new TestJwtIssuer(ecdsa, new ECDsaSecurityKey(ecdsa) { KeyId = kid }, SecurityAlgorithms.EcdsaSha256, jwk);
    }

    /// <summary>A JWKS document (RFC 7517 §5) with the public keys of <paramref name="issuers"/>.</summary>
    public static string Jwks(params TestJwtIssuer[] issuers) => JsonSerializer.Serialize(new
    {
        keys = issuers.Select(i => i.PublicJwk.Kty == JsonWebAlgorithmsKeyTypes.RSA
            ? (object)new { kty = "RSA", kid = i.PublicJwk.KeyId, use = "sig", alg = "RS256", n = i.PublicJwk.N, e = i.PublicJwk.E }
            : new { kty = "EC", kid = i.PublicJwk.KeyId, use = "sig", alg = "ES256", crv = i.PublicJwk.Crv, x = i.PublicJwk.X, y = i.PublicJwk.Y }).ToArray(),
    });

    /// <summary>A signed token; <paramref name="expires"/> null leaves out exp, and every claim given is added.</summary>
    public string Sign(string issuer, string audience, DateTime? expires, DateTime? notBefore = null, IDictionary<string, object>? claims = null) =>
        Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Expires = expires,
            NotBefore = notBefore,
            Claims = claims,
            SigningCredentials = _credentials,
        });

    public void Dispose() => _key.Dispose();
}
