namespace MeshProxy.Configuration.Validation;

/// <summary>
/// The <c>jwt:</c> section: issuer, audiences and JWKS file given, a clock skew of at most 5 minutes, claim headers
/// that are lowercase gRPC metadata keys and not reserved. Whether the JWKS file loads is checked when a running
/// sidecar applies the config (JwksKeySource.Check: at start and at each reload), since it lives outside the config
/// like the descriptor sets.
/// </summary>
internal sealed class JwtConfigValidator : IConfigValidator
{
    private static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(5);

    public void Validate(MeshProxyConfig config, ConfigErrors errors)
    {
        if (config.Jwt is not { } jwt)
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(jwt.Issuer))
        {
            errors.Add("jwt.issuer", "is required");
        }

        if (jwt.Audiences.Count == 0)
        {
            errors.Add("jwt.audiences", "give at least one accepted audience");
        }

        for (var i = 0; i < jwt.Audiences.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(jwt.Audiences[i]))
            {
                errors.Add($"jwt.audiences[{i}]", "is empty");
            }
        }

        if (string.IsNullOrWhiteSpace(jwt.JwksFile))
        {
            errors.Add("jwt.jwksFile", "is required");
        }

        if (jwt.ClockSkew < TimeSpan.Zero || jwt.ClockSkew > MaxClockSkew)
        {
            errors.Add("jwt.clockSkew", $"must be between 0s and 5m, found {jwt.ClockSkew}");
        }

        var headers = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (claim, header) in jwt.ClaimHeaders)
        {
            var path = $"jwt.claimHeaders.{claim}";
            if (header.Length == 0 || !header.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'z') or '-' or '_' or '.'))
            {
                errors.Add(path, $"'{header}' is not a lowercase gRPC metadata key (0-9, a-z, '-', '_', '.')");
            }
            else if (header.StartsWith("grpc-", StringComparison.Ordinal) || header is "authorization" or "content-type" or "te" or "host" || header.EndsWith("-bin", StringComparison.Ordinal))
            {
                errors.Add(path, $"'{header}' is reserved (grpc-*, -bin, authorization, content-type, te, host)");
            }
            else if (!headers.Add(header))
            {
                errors.Add(path, $"header '{header}' is already given to another claim");
            }
        }
    }
}
