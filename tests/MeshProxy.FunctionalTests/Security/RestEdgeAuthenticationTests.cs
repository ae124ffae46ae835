using System.Net;
using System.Text.Json;
using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.FunctionalTests.Observability;
using MeshProxy.TestSupport;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests.Security;

/// <summary>Bearer JWTs on the REST listener: keys and tokens made in the test, the JWKS file written and rotated while the sidecar runs.</summary>
public sealed class RestEdgeAuthenticationTests(ITestOutputHelper output) : IDisposable
{
    private const string Issuer = "https://issuer.example";
    private const string Audience = "orders";
    private const string Echo = "/v1/test/probe/echo";

    private const string Jwt = """
        jwt:
          issuer: https://issuer.example
          audiences: [ orders ]
          jwksFile: jwks.json
          clockSkew: 5s
          claimHeaders:
            sub: x-user-id
            groups: x-user-groups
        """;

    private readonly TestJwtIssuer _rsa = TestJwtIssuer.Rsa("rsa-1");
    private readonly TestJwtIssuer _ec = TestJwtIssuer.Ecdsa("ec-1");
    private readonly TestJwtIssuer _stranger = TestJwtIssuer.Rsa("rsa-1");

    public void Dispose()
    {
        _rsa.Dispose();
        _ec.Dispose();
        _stranger.Dispose();
    }

    [Fact]
    public async Task Rest_ValidRs256AndEs256Tokens_PassWithClaimHeadersAndNoCallerCopies()
    {
        await using var stack = await AuthorizationStack.StartAsync(Jwt, output, TestJwtIssuer.Jwks(_rsa, _ec));

        foreach (var issuer in new[] { _rsa, _ec })
        {
            using var response = await SendAsync(stack, Token(issuer, claims: new() { ["sub"] = "alice", ["groups"] = new[] { "staff", "admins" } }), ("x-user-id", "mallory"), ("x-user-role", "root"));

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var metadata = await MetadataAsync(response);
            Assert.Contains("x-user-id=alice", metadata);
            Assert.Contains("x-user-groups=staff,admins", metadata);
            Assert.DoesNotContain("x-user-id=mallory", metadata);

            // Other x-user- headers still pass (forwardedHeaderPrefixes); only the claim headers are the token's.
            Assert.Contains("x-user-role=root", metadata);
        }
    }

    [Fact]
    public async Task Rest_NoToken_401WithBareChallengeAndStatusBody()
    {
        await using var stack = await AuthorizationStack.StartAsync(Jwt, output, TestJwtIssuer.Jwks(_rsa));

        using var response = await stack.Rest.SendAsync(HttpMethod.Post, Echo, "{}").DefaultTimeout();

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).ToString());
        Assert.Equal("""{"code":16,"message":"a bearer token is required","details":[]}""", await response.Content.ReadAsStringAsync().DefaultTimeout());
    }

    [Theory]
    [InlineData("stranger", "the token's signature does not verify with any key of the JWKS")]
    [InlineData("expired", "the token has expired")]
    [InlineData("future", "the token is not valid yet (nbf)")]
    [InlineData("issuer", "the token's issuer is not accepted")]
    [InlineData("audience", "the token's audience is not accepted")]
    [InlineData("garbage", "the token is not a well-formed JWT")]
    public async Task Rest_BadToken_401InvalidTokenWithDescription(string kind, string description)
    {
        await using var stack = await AuthorizationStack.StartAsync(Jwt, output, TestJwtIssuer.Jwks(_rsa));
        var now = DateTime.UtcNow;
        var token = kind switch
        {
            "stranger" => Token(_stranger),
            "expired" => _rsa.Sign(Issuer, Audience, now.AddMinutes(-1), notBefore: now.AddMinutes(-10)),
            "future" => _rsa.Sign(Issuer, Audience, now.AddMinutes(10), notBefore: now.AddMinutes(1)),
            "issuer" => _rsa.Sign("https://evil.example", Audience, now.AddMinutes(5)),
            "audience" => _rsa.Sign(Issuer, "billing", now.AddMinutes(5)),
            _ => "not-a-jwt",
        };

        using var response = await SendAsync(stack, token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal($"Bearer error=\"invalid_token\", error_description=\"{description}\"", Assert.Single(response.Headers.WwwAuthenticate).ToString());
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync().DefaultTimeout());
        Assert.Equal(16, body.RootElement.GetProperty("code").GetInt32());
        Assert.Equal($"invalid bearer token: {description}", body.RootElement.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Rest_ClaimPolicies_DeniedTokenGets403AndAllowListNeedsTheClaim()
    {
        await using var stack = await AuthorizationStack.StartAsync(Jwt.Replace("clockSkew: 5s", "clockSkew: 5s\n  required: false", StringComparison.Ordinal) + """

            authorization:
              policies:
                - name: no-guests
                  action: DENY
                  rules: [ { claims: [ { name: groups, exact: guests } ] } ]
                - name: signed-in
                  action: ALLOW
                  rules: [ { methods: [ "/meshproxy.testing.v1.TranscodingTestService/*" ], claims: [ { name: sub, present: true } ] } ]
            """, output, TestJwtIssuer.Jwks(_rsa));

        using var member = await SendAsync(stack, Token(_rsa, claims: new() { ["sub"] = "alice", ["groups"] = new[] { "staff" } }));
        using var guest = await SendAsync(stack, Token(_rsa, claims: new() { ["sub"] = "bob", ["groups"] = new[] { "guests", "staff" } }));
        using var anonymous = await stack.Rest.SendAsync(HttpMethod.Post, Echo, "{}").DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, member.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, guest.StatusCode);
        Assert.Equal("""{"code":7,"message":"denied by authorization policy 'no-guests' (DENY, rules[0])","details":[]}""", await guest.Content.ReadAsStringAsync().DefaultTimeout());
        Assert.False(guest.Headers.Contains("WWW-Authenticate"));

        // required: false lets a call without a token reach the policies, and the ALLOW list wants a subject.
        Assert.Equal(HttpStatusCode.Forbidden, anonymous.StatusCode);
        Assert.Equal("""{"code":7,"message":"no ALLOW authorization policy matches this call","details":[]}""", await anonymous.Content.ReadAsStringAsync().DefaultTimeout());

        var metrics = await stack.ScrapeAsync();
        Assert.Equal(1, MetricsSample.Sum(metrics, "meshproxy_authz_decisions_total", ("policy", "signed-in"), ("action", "ALLOW"), ("result", "allowed")));
        Assert.Equal(1, MetricsSample.Sum(metrics, "meshproxy_authz_decisions_total", ("policy", "no-guests"), ("action", "DENY"), ("result", "denied")));
        Assert.Equal(1, MetricsSample.Sum(metrics, "meshproxy_authz_decisions_total", ("policy", ""), ("action", ""), ("result", "denied")));
    }

    [Fact]
    public async Task Jwks_RotatedWhileRunning_NewKeyAcceptedOldRefused()
    {
        await using var stack = await AuthorizationStack.StartAsync(Jwt, output, TestJwtIssuer.Jwks(_rsa));
        var oldToken = Token(_rsa);
        var newToken = Token(_ec);
        using (var before = await SendAsync(stack, oldToken))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        using (var notYet = await SendAsync(stack, newToken))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, notYet.StatusCode);
        }

        var rotated = stack.Keys.NextChange;
        stack.WriteJwks(TestJwtIssuer.Jwks(_ec));
        var keys = await rotated.DefaultTimeout();

        Assert.Null(keys.Error);
        using (var fresh = await SendAsync(stack, newToken))
        {
            Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        }

        using (var retired = await SendAsync(stack, oldToken))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, retired.StatusCode);
        }
    }

    [Fact]
    public async Task Jwks_BrokenEdit_LastGoodKeysStay()
    {
        await using var stack = await AuthorizationStack.StartAsync(Jwt, output, TestJwtIssuer.Jwks(_rsa));
        using (var first = await SendAsync(stack, Token(_rsa)))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        var refused = stack.Keys.NextChange;
        stack.WriteJwks("""{"keys": "not a list"}""");
        await refused.DefaultTimeout();

        using var still = await SendAsync(stack, Token(_rsa));
        Assert.Equal(HttpStatusCode.OK, still.StatusCode);
        Assert.Contains(stack.Sidecar.Logs.Errors, e => e.Contains("Cannot use the JWKS file", StringComparison.Ordinal));
        stack.Sidecar.Logs.Errors.Clear();
    }

    [Theory]
    [InlineData("missing", "cannot read it: ")]
    [InlineData("""{"keys": "not a list"}""", "it is not a JSON Web Key Set (RFC 7517): ")]
    [InlineData("""{"keys": []}""", "it holds no RSA or EC signing key")]
    public async Task Start_JwksFileUnusable_RefusedWithTheReasonAtJwtJwksFile(string content, string reason)
    {
        var directory = Directory.CreateTempSubdirectory("meshproxy-jwks-start-").FullName;
        try
        {
            var path = Path.Combine(directory, "jwks.json");
            if (content != "missing")
            {
                await File.WriteAllTextAsync(path, content);
            }

            var refused = await Assert.ThrowsAsync<MeshProxy.Configuration.ConfigLoadException>(() => MeshProxy.Hosting.MeshProxyServer.StartAsync($$"""
                {{SampleStack.LoopbackListeners}}
                jwt: { issuer: {{Issuer}}, audiences: [ {{Audience}} ], jwksFile: "{{path}}" }
                routes: [ { name: r, match: { prefix: / }, cluster: c } ]
                clusters: { c: { destinations: [ { address: "http://127.0.0.1:1" } ] } }
                """, new XunitLoggerProvider(output))).DefaultTimeout();

            var error = Assert.Single(refused.Errors);
            Assert.Equal("jwt.jwksFile", error.Path);
            Assert.StartsWith($"cannot use {path}: {reason}", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Reload_JwksFileMissing_EditRefusedAndTheLastGoodKeysStay()
    {
        await using var stack = await AuthorizationStack.StartAsync(Jwt, output, TestJwtIssuer.Jwks(_rsa));

        await stack.Sidecar.WriteConfigAsync(stack.ConfigWith(Jwt.Replace("jwksFile: jwks.json", "jwksFile: gone.json", StringComparison.Ordinal)));
        var refused = await stack.Sidecar.WaitForAsync(s => s.LastError is not null);

        Assert.Equal(1, refused.Generation);
        var error = Assert.Single(refused.LastError!.Errors);
        Assert.Equal("jwt.jwksFile", error.Path);
        Assert.StartsWith($"cannot use {Path.Combine(stack.Sidecar.Directory, "gone.json")}: cannot read it: ", error.Message, StringComparison.Ordinal);
        using var still = await SendAsync(stack, Token(_rsa));
        Assert.Equal(HttpStatusCode.OK, still.StatusCode);
        stack.Sidecar.Logs.Errors.Clear();
    }

    private string Token(TestJwtIssuer issuer, Dictionary<string, object>? claims = null) =>
        issuer.Sign(Issuer, Audience, DateTime.UtcNow.AddMinutes(5), claims: claims ?? new() { ["sub"] = "alice" });

    private static Task<HttpResponseMessage> SendAsync(AuthorizationStack stack, string token, params (string Name, string Value)[] headers) =>
        stack.Rest.SendAsync(HttpMethod.Post, Echo, "{}", [("Authorization", "Bearer " + token), .. headers]).DefaultTimeout();

    private static async Task<string?[]> MetadataAsync(HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync().DefaultTimeout());
        return [.. json.RootElement.GetProperty("metadata").EnumerateArray().Select(m => m.GetString())];
    }
}
