using Microsoft.IdentityModel.Tokens;

namespace MeshProxy.Security.Authorization;

/// <summary>The signing keys read from one JWKS file; <see cref="Error"/> says why there are none when it never loaded.</summary>
internal sealed record JwksKeys(string Path, IReadOnlyList<SecurityKey> Keys, string? Hash, string? Error);
