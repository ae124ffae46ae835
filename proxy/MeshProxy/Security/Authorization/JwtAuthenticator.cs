using MeshProxy.Configuration;
using Microsoft.Extensions.Primitives;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace MeshProxy.Security.Authorization;

/// <summary>
/// Validates <c>Authorization: Bearer</c> JWTs (RFC 6750 §2.1) with Microsoft.IdentityModel: a signature by one of the
/// JWKS keys with RS256 or ES256 only (never <c>none</c>, never an HMAC with a public key as secret), <c>iss</c>
/// equal to the configured issuer, <c>aud</c> naming an accepted audience, <c>exp</c> required and <c>nbf</c> honoured,
/// both within the clock skew of the injected clock. The validation parameters are built once per config and key set.
/// </summary>
internal sealed class JwtAuthenticator
{
    private static readonly string[] Algorithms = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.EcdsaSha256];

    private readonly JsonWebTokenHandler _handler = new();
    private readonly TimeProvider _time;
    private volatile Parameters? _parameters;

    public JwtAuthenticator(TimeProvider time) => _time = time;

    /// <summary>The token of an Authorization header, or null when there is none or it is not a Bearer credential.</summary>
    public static string? BearerToken(StringValues authorization)
    {
        if (authorization.Count != 1 || authorization[0] is not { } value)
        {
            return null;
        }

        // The scheme is case-insensitive (RFC 9110 §11.1); one space, then the b64token.
        const string Scheme = "Bearer ";
        return value.Length > Scheme.Length && value.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) ? value[Scheme.Length..].Trim() : null;
    }

    public async ValueTask<JwtOutcome> AuthenticateAsync(StringValues authorization, JwtConfig config, JwksKeys keys)
    {
        if (BearerToken(authorization) is not { Length: > 0 } token)
        {
            return JwtOutcome.Missing;
        }

        if (keys.Keys.Count == 0)
        {
            return new JwtOutcome(null, keys.Error ?? "no signing keys are loaded");
        }

        var result = await _handler.ValidateTokenAsync(token, ParametersFor(config, keys)).ConfigureAwait(false);
        return result.IsValid && result.SecurityToken is JsonWebToken jwt
            ? new JwtOutcome(new JwtClaims(jwt), null)
            : new JwtOutcome(null, Describe(result.Exception));
    }

    private TokenValidationParameters ParametersFor(JwtConfig config, JwksKeys keys)
    {
        if (_parameters is { } cached && ReferenceEquals(cached.Config, config) && ReferenceEquals(cached.Keys, keys))
        {
            return cached.Validation;
        }

        var validation = new TokenValidationParameters
        {
            ValidIssuer = config.Issuer,
            ValidAudiences = [.. config.Audiences],
            IssuerSigningKeys = keys.Keys,
            ValidAlgorithms = Algorithms,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ClockSkew = config.ClockSkew,

            // IdentityModel reads DateTime.UtcNow itself (its TimeProvider property is not public in 8.23.0); this
            // check is its own, on the injected clock, with the same exceptions.
            LifetimeValidator = (notBefore, expires, _, _) => ValidateLifetime(notBefore, expires, config.ClockSkew),
        };
        _parameters = new Parameters(config, keys, validation);
        return validation;
    }

    private bool ValidateLifetime(DateTime? notBefore, DateTime? expires, TimeSpan skew)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        if (expires is not { } exp)
        {
            throw new SecurityTokenNoExpirationException("The token has no expiration time.");
        }

        if (notBefore is { } nbf && nbf > now + skew)
        {
            throw new SecurityTokenNotYetValidException("The token is not valid yet.") { NotBefore = nbf };
        }

        if (exp < now - skew)
        {
            throw new SecurityTokenExpiredException("The token has expired.") { Expires = exp };
        }

        return true;
    }

    // What the caller is told, in RFC 6750 error_description terms; IdentityModel's own messages hide details (PII)
    // and name its internals, so they are not passed on.
    private static string Describe(Exception? exception) => exception switch
    {
        SecurityTokenExpiredException => "the token has expired",
        SecurityTokenNotYetValidException => "the token is not valid yet (nbf)",
        SecurityTokenNoExpirationException => "the token has no exp claim",
        SecurityTokenInvalidLifetimeException => "the token's lifetime is invalid",
        SecurityTokenInvalidIssuerException => "the token's issuer is not accepted",
        SecurityTokenInvalidAudienceException => "the token's audience is not accepted",
        SecurityTokenInvalidAlgorithmException => "the token is not signed with RS256 or ES256",
        SecurityTokenInvalidSignatureException => "the token's signature does not verify with any key of the JWKS",
        SecurityTokenMalformedException or ArgumentException => "the token is not a well-formed JWT",
        _ => "the token is not valid",
    };

    private sealed record Parameters(JwtConfig Config, JwksKeys Keys, TokenValidationParameters Validation);
}
