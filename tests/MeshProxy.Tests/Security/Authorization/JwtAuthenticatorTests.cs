using MeshProxy.Configuration;
using MeshProxy.Security.Authorization;
using MeshProxy.TestSupport;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.Tokens;

namespace MeshProxy.Tests.Security.Authorization;

/// <summary>Token validation on the injected clock, with keys and tokens made here.</summary>
public sealed class JwtAuthenticatorTests : IDisposable
{
    private const string Issuer = "https://issuer.example";
    private const string Audience = "users-api";
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 9, 0, 0, TimeSpan.Zero);

    private readonly TestJwtIssuer _rsa = TestJwtIssuer.Rsa("rsa-1");
    private readonly TestJwtIssuer _ec = TestJwtIssuer.Ecdsa("ec-1");
    private readonly TestJwtIssuer _stranger = TestJwtIssuer.Rsa("rsa-1");
    private readonly FakeTimeProvider _time = new(Now);
    private readonly JwtConfig _config = new() { Issuer = Issuer, Audiences = new([Audience, "other-api"]), JwksFile = "jwks.json", ClockSkew = TimeSpan.FromSeconds(30) };

    public void Dispose()
    {
        _rsa.Dispose();
        _ec.Dispose();
        _stranger.Dispose();
    }

    [Fact]
    public async Task Authenticate_Rs256AndEs256_ValidWithClaims()
    {
        var claims = new Dictionary<string, object> { ["sub"] = "alice", ["groups"] = new[] { "staff", "admins" } };

        var rsa = await AuthenticateAsync(_rsa.Sign(Issuer, Audience, Expires(5), claims: claims));
        var ec = await AuthenticateAsync(_ec.Sign(Issuer, "other-api", Expires(5), claims: claims));

        foreach (var outcome in new[] { rsa, ec })
        {
            Assert.Null(outcome.Error);
            Assert.Equal(["alice"], outcome.Claims!.Values("sub"));
            Assert.Equal(["staff", "admins"], outcome.Claims.Values("groups"));
            Assert.Equal($"{Issuer}/alice", outcome.Claims.Principal);
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Basic dXNlcjpwYXNz")]
    [InlineData("Bearer ")]
    public async Task Authenticate_NoBearerCredential_IsMissing(string? header)
    {
        var outcome = await new JwtAuthenticator(_time).AuthenticateAsync(header, _config, Keys(_rsa));

        Assert.True(outcome.IsMissing);
    }

    [Fact]
    public async Task Authenticate_LowercaseScheme_Accepted()
    {
        var outcome = await new JwtAuthenticator(_time).AuthenticateAsync("bearer " + _rsa.Sign(Issuer, Audience, Expires(5)), _config, Keys(_rsa));

        Assert.Null(outcome.Error);
    }

    [Fact]
    public async Task Authenticate_Expired_RefusedPastTheSkewOnly()
    {
        var token = _rsa.Sign(Issuer, Audience, Expires(-0.25), notBefore: (Now - TimeSpan.FromMinutes(10)).UtcDateTime);

        // 15s past exp is within the 30s skew; 45s is not.
        Assert.Null((await AuthenticateAsync(token)).Error);
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal("the token has expired", (await AuthenticateAsync(token)).Error);
    }

    [Fact]
    public async Task Authenticate_NotYetValid_RefusedUntilNbfLessSkew()
    {
        var token = _rsa.Sign(Issuer, Audience, Expires(10), notBefore: (Now + TimeSpan.FromMinutes(1)).UtcDateTime);

        Assert.Equal("the token is not valid yet (nbf)", (await AuthenticateAsync(token)).Error);
        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.Null((await AuthenticateAsync(token)).Error);
    }

    [Fact]
    public async Task Authenticate_NoExp_Refused() =>
        Assert.Equal("the token has no exp claim", (await AuthenticateAsync(_rsa.Sign(Issuer, Audience, expires: null))).Error);

    [Fact]
    public async Task Authenticate_WrongIssuer_Refused() =>
        Assert.Equal("the token's issuer is not accepted", (await AuthenticateAsync(_rsa.Sign("https://evil.example", Audience, Expires(5)))).Error);

    [Fact]
    public async Task Authenticate_WrongAudience_Refused() =>
        Assert.Equal("the token's audience is not accepted", (await AuthenticateAsync(_rsa.Sign(Issuer, "billing-api", Expires(5)))).Error);

    [Fact]
    public async Task Authenticate_KeyNotInJwks_Refused() =>
        Assert.Equal("the token's signature does not verify with any key of the JWKS", (await AuthenticateAsync(_stranger.Sign(Issuer, Audience, Expires(5)))).Error);

    [Fact]
    public async Task Authenticate_TamperedPayload_Refused()
    {
        var parts = _rsa.Sign(Issuer, Audience, Expires(5), claims: new Dictionary<string, object> { ["sub"] = "alice" }).Split('.');
        var forged = Base64UrlEncoder.Encode($$"""{"iss":"{{Issuer}}","aud":"{{Audience}}","exp":{{Now.AddMinutes(5).ToUnixTimeSeconds()}},"sub":"root"}""");

        var outcome = await AuthenticateAsync($"{parts[0]}.{forged}.{parts[2]}");

        Assert.Equal("the token's signature does not verify with any key of the JWKS", outcome.Error);
    }

    [Fact]
    public async Task Authenticate_UnsignedAlgNone_Refused()
    {
        var header = Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""");
        var payload = Base64UrlEncoder.Encode($$"""{"iss":"{{Issuer}}","aud":"{{Audience}}","exp":{{Now.AddMinutes(5).ToUnixTimeSeconds()}},"sub":"root"}""");

        var outcome = await AuthenticateAsync($"{header}.{payload}.");

        Assert.NotNull(outcome.Error);
        Assert.Null(outcome.Claims);
    }

    [Theory]
    [InlineData("not-a-jwt")]
    [InlineData("a.b.c")]
    public async Task Authenticate_Malformed_Refused(string token) =>
        Assert.Equal("the token is not a well-formed JWT", (await AuthenticateAsync(token)).Error);

    [Fact]
    public async Task Authenticate_NoKeysLoaded_RefusedWithTheReason()
    {
        var keys = new JwksKeys("/keys/jwks.json", [], null, "the JWKS file cannot be used: cannot read it");

        var outcome = await new JwtAuthenticator(_time).AuthenticateAsync("Bearer " + _rsa.Sign(Issuer, Audience, Expires(5)), _config, keys);

        Assert.Equal("the JWKS file cannot be used: cannot read it", outcome.Error);
    }

    private static DateTime Expires(double minutes) => (Now + TimeSpan.FromMinutes(minutes)).UtcDateTime;

    private static JwksKeys Keys(params TestJwtIssuer[] issuers) =>
        new("/keys/jwks.json", [.. new JsonWebKeySet(TestJwtIssuer.Jwks(issuers)).GetSigningKeys()], "hash", null);

    private ValueTask<JwtOutcome> AuthenticateAsync(string token) =>
        new JwtAuthenticator(_time).AuthenticateAsync("Bearer " + token, _config, Keys(_rsa, _ec));
}
