using MeshProxy.Configuration;

namespace MeshProxy.Tests.Configuration;

public sealed class AuthorizationConfigTests
{
    [Fact]
    public void Load_NoSections_NoPoliciesAndNoJwt()
    {
        var config = ConfigAssert.LoadValid(ConfigAssert.OneRoute);

        Assert.Empty(config.Authorization);
        Assert.Null(config.Jwt);
    }

    [Fact]
    public void Load_FullSections_ReadsEveryKey()
    {
        var config = ConfigAssert.LoadValid("""
            authorization:
              policies:
                - name: web
                  action: ALLOW
                  rules:
                    - principals: [ { exact: "spiffe://example.org/ns/shop/sa/web" }, { prefix: "spiffe://example.org/ns/ops/" }, { glob: "spiffe://*/ns/shop/sa/*" } ]
                      methods: [ "/users.v1.UserService/*" ]
                      headers: [ { name: x-env, exact: prod } ]
                      claims: [ { name: groups, exact: admins } ]
            jwt:
              issuer: https://issuer.example
              audiences: [ users-api ]
              jwksFile: keys/jwks.json
              required: false
              clockSkew: 10s
              claimHeaders:
                sub: x-user-id
                groups: x-user-groups
            """ + "\n" + ConfigAssert.OneRoute);

        var policy = Assert.Single(config.Authorization);
        Assert.Equal(("web", AuthorizationAction.Allow), (policy.Name, policy.Action));
        var rule = Assert.Single(policy.Rules);
        Assert.Equal(new PrincipalMatchConfig(null, "spiffe://example.org/ns/ops/", null), rule.Principals[1]);
        Assert.Equal("spiffe://*/ns/shop/sa/*", rule.Principals[2].Glob);
        Assert.Equal("/users.v1.UserService/*", Assert.Single(rule.Methods));
        Assert.Equal(new HeaderMatchConfig("x-env", "prod", null, null, null), Assert.Single(rule.Headers));
        Assert.Equal(new HeaderMatchConfig("groups", "admins", null, null, null), Assert.Single(rule.Claims));

        var jwt = config.Jwt!;
        Assert.Equal("https://issuer.example", jwt.Issuer);
        Assert.Equal("users-api", Assert.Single(jwt.Audiences));
        Assert.Equal("keys/jwks.json", jwt.JwksFile);
        Assert.False(jwt.Required);
        Assert.Equal(TimeSpan.FromSeconds(10), jwt.ClockSkew);
        Assert.Equal([new ClaimHeaderConfig("sub", "x-user-id"), new ClaimHeaderConfig("groups", "x-user-groups")], jwt.ClaimHeaders);
    }

    [Fact]
    public void Load_JwtDefaults_RequiredAnd30sSkew()
    {
        var config = ConfigAssert.LoadValid("jwt: { issuer: i, audiences: [a], jwksFile: k.json }\n" + ConfigAssert.OneRoute);

        Assert.True(config.Jwt!.Required);
        Assert.Equal(TimeSpan.FromSeconds(30), config.Jwt.ClockSkew);
    }

    [Theory]
    [InlineData("- { name: p, rules: [ {} ] }", "authorization.policies[0].action", "is required: ALLOW or DENY")]
    [InlineData("- { name: p, action: allow, rules: [ {} ] }", "authorization.policies[0].action", "expected ALLOW or DENY, found 'allow'")]
    [InlineData("- { action: DENY, rules: [ {} ] }", "authorization.policies[0].name", "is required")]
    [InlineData("- { name: P!, action: DENY, rules: [ {} ] }", "authorization.policies[0].name", "'P!' must be lowercase letters, digits, '-', '_' or '.'")]
    [InlineData("- { name: p, action: DENY }", "authorization.policies[0].rules", "give at least one rule (a rule with no condition, {}, matches every call)")]
    [InlineData("- { name: p, action: DENY, rules: [ { methods: [ /users.v1.UserService ] } ] }", "authorization.policies[0].rules[0].methods[0]", "'/users.v1.UserService' is not /package.Service/Method or /package.Service/*")]
    [InlineData("- { name: p, action: DENY, rules: [ { principals: [ { exact: a, prefix: b } ] } ] }", "authorization.policies[0].rules[0].principals[0]", "give exactly one of 'exact', 'prefix' or 'glob'")]
    [InlineData("- { name: p, action: DENY, rules: [ { principals: [ {} ] } ] }", "authorization.policies[0].rules[0].principals[0]", "one of 'exact', 'prefix' or 'glob' is required")]
    [InlineData("- { name: p, action: DENY, rules: [ { principals: [ { prefix: example.org } ] } ] }", "authorization.policies[0].rules[0].principals[0].prefix", "'example.org' must start with spiffe://")]
    [InlineData("- { name: p, action: DENY, rules: [ { principals: [ { glob: \"spiffe://example.org/ns/sh*p\" } ] } ] }", "authorization.policies[0].rules[0].principals[0].glob", "'spiffe://example.org/ns/sh*p' is not a SPIFFE ID in which whole segments may be '*' (spiffe://example.org/ns/*/sa/web), nor '*'")]
    [InlineData("- { name: p, action: DENY, rules: [ { headers: [ { name: x-a } ] } ] }", "authorization.policies[0].rules[0].headers[0]", "one of 'exact', 'prefix', 'regex' or 'present' is required")]
    [InlineData("- { name: p, action: DENY, rules: [ { claims: [ { exact: a } ] } ] }", "authorization.policies[0].rules[0].claims[0].name", "is required")]
    [InlineData("- { name: p, action: DENY, rules: [ { claims: [ { name: c, regex: \"(\" } ] } ] }", "authorization.policies[0].rules[0].claims[0].regex", null)]
    [InlineData("- { name: p, action: DENY, rules: [ { paths: [ / ] } ] }", "authorization.policies[0].rules[0].paths", "unknown key")]
    public void Load_BadPolicy_ErrorNamesThePath(string policy, string path, string? message)
    {
        var errors = ConfigAssert.Errors($"authorization:\n  policies:\n    {policy}\n{ConfigAssert.OneRoute}");

        var error = Assert.Single(errors);
        Assert.Equal(path, error.Path);
        if (message is not null)
        {
            Assert.Equal(message, error.Message);
        }
    }

    [Fact]
    public void Load_DuplicatePolicyNames_Refused()
    {
        var errors = ConfigAssert.Errors("""
            authorization:
              policies:
                - { name: p, action: DENY, rules: [ {} ] }
                - { name: p, action: ALLOW, rules: [ {} ] }
            """ + "\n" + ConfigAssert.OneRoute);

        Assert.Equal(new ConfigError("authorization.policies[1].name", "duplicate policy name 'p'"), Assert.Single(errors));
    }

    [Theory]
    [InlineData("jwt: { audiences: [a], jwksFile: k.json }", "jwt.issuer", "is required")]
    [InlineData("jwt: { issuer: i, jwksFile: k.json }", "jwt.audiences", "give at least one accepted audience")]
    [InlineData("jwt: { issuer: i, audiences: [a] }", "jwt.jwksFile", "is required")]
    [InlineData("jwt: { issuer: i, audiences: [a], jwksFile: k.json, clockSkew: 10m }", "jwt.clockSkew", "must be between 0s and 5m, found 00:10:00")]
    [InlineData("jwt: { issuer: i, audiences: [a], jwksFile: k.json, claimHeaders: { sub: X-User } }", "jwt.claimHeaders.sub", "'X-User' is not a lowercase gRPC metadata key (0-9, a-z, '-', '_', '.')")]
    [InlineData("jwt: { issuer: i, audiences: [a], jwksFile: k.json, claimHeaders: { sub: grpc-user } }", "jwt.claimHeaders.sub", "'grpc-user' is reserved (grpc-*, -bin, authorization, content-type, te, host)")]
    [InlineData("jwt: { issuer: i, audiences: [a], jwksFile: k.json, claimHeaders: { sub: x-u, email: x-u } }", "jwt.claimHeaders.email", "header 'x-u' is already given to another claim")]
    [InlineData("jwt: { issuer: i, audiences: [a], jwksFile: k.json, required: maybe }", "jwt.required", "expected true or false, found 'maybe'")]
    [InlineData("jwt: { issuer: i, audiences: [a], jwksFile: k.json, keys: x }", "jwt.keys", "unknown key")]
    public void Load_BadJwt_ErrorNamesThePath(string jwt, string path, string message)
    {
        var errors = ConfigAssert.Errors(jwt + "\n" + ConfigAssert.OneRoute);

        Assert.Equal(new ConfigError(path, message), Assert.Single(errors));
    }
}
