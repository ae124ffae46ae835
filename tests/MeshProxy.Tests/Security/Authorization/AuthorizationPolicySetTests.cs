using System.Security.Claims;
using MeshProxy.Security.Authorization;
using MeshProxy.Tests.Configuration;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.Tests.Security.Authorization;

/// <summary>
/// Every rule form against requests built here: the identity is given directly (the fake identity source a TLS
/// listener would fill), so each decision is checked without certificates.
/// </summary>
public sealed class AuthorizationPolicySetTests
{
    private const string Web = "spiffe://example.org/ns/shop/sa/web";
    private const string Batch = "spiffe://example.org/ns/jobs/sa/batch";
    private const string GetUser = "/users.v1.UserService/GetUser";

    [Fact]
    public void Compile_NoPolicies_IsNull() =>
        Assert.Null(AuthorizationPolicySet.Compile(ConfigAssert.LoadValid(ConfigAssert.OneRoute).Authorization));

    [Fact]
    public void Evaluate_OnlyDenyPolicies_NotDeniedPasses()
    {
        var policies = Compile("""
            - name: no-batch
              action: DENY
              rules: [ { principals: [ { exact: "spiffe://example.org/ns/jobs/sa/batch" } ] } ]
            """);

        var allowed = policies.Evaluate(Request(Web));
        var denied = policies.Evaluate(Request(Batch));

        Assert.True(allowed.Allowed);
        Assert.Equal(string.Empty, allowed.Policy);
        Assert.False(denied.Allowed);
        Assert.Equal("no-batch", denied.Policy);
        Assert.Equal("DENY", denied.Action);
        Assert.Equal("denied by authorization policy 'no-batch' (DENY, rules[0])", denied.Message);
    }

    [Fact]
    public void Evaluate_AnyAllowPolicy_WhatMatchesNonePassesNot()
    {
        var policies = Compile("""
            - name: web-only
              action: ALLOW
              rules: [ { principals: [ { exact: "spiffe://example.org/ns/shop/sa/web" } ] } ]
            """);

        var web = policies.Evaluate(Request(Web));
        var batch = policies.Evaluate(Request(Batch));
        var anonymous = policies.Evaluate(Request(null));

        Assert.True(web.Allowed);
        Assert.Equal(("web-only", "ALLOW", "allowed"), (web.Policy, web.Action, web.Result));
        Assert.False(batch.Allowed);
        Assert.Equal((string.Empty, string.Empty, "denied"), (batch.Policy, batch.Action, batch.Result));
        Assert.Equal("no ALLOW authorization policy matches this call", batch.Message);
        Assert.False(anonymous.Allowed);
    }

    [Fact]
    public void Evaluate_DenyAndAllowBothMatch_DenyWins()
    {
        var policies = Compile("""
            - name: everyone
              action: ALLOW
              rules: [ {} ]
            - name: no-deletes
              action: DENY
              rules:
                - methods: [ /users.v1.UserService/ListUsers ]
                - methods: [ /users.v1.UserService/DeleteUser ]
            """);

        var delete = policies.Evaluate(Request(Web, "/users.v1.UserService/DeleteUser"));
        var get = policies.Evaluate(Request(Web));

        Assert.False(delete.Allowed);
        Assert.Equal("denied by authorization policy 'no-deletes' (DENY, rules[1])", delete.Message);
        Assert.True(get.Allowed);
        Assert.Equal("everyone", get.Policy);
    }

    [Theory]
    [InlineData(GetUser, true)]
    [InlineData("/users.v1.UserService/ListUsers", true)]
    [InlineData("/users.v1.UserServiceX/GetUser", false)]
    [InlineData("/users.v1.UserService/", false)]
    [InlineData("/users.v1.UserService/GetUser/x", false)]
    [InlineData("/payments.v1.PaymentService/Pay", true)]
    [InlineData("/payments.v1.PaymentService/Refund", false)]
    public void Evaluate_MethodExactAndWildcard_MatchTheirMethods(string method, bool expected)
    {
        var policies = Compile("""
            - name: methods
              action: ALLOW
              rules: [ { methods: [ "/users.v1.UserService/*", /payments.v1.PaymentService/Pay ] } ]
            """);

        Assert.Equal(expected, policies.Evaluate(Request(Web, method)).Allowed);
    }

    [Fact]
    public void Evaluate_PrincipalForms_PrefixAndGlobMatchTheirIds()
    {
        var policies = Compile("""
            - name: ids
              action: ALLOW
              rules:
                - principals:
                    - prefix: "spiffe://example.org/ns/shop/"
                    - glob: "spiffe://example.org/ns/*/sa/reporter"
            """);

        Assert.True(policies.Evaluate(Request(Web)).Allowed);
        Assert.True(policies.Evaluate(Request("spiffe://example.org/ns/finance/sa/reporter")).Allowed);
        Assert.False(policies.Evaluate(Request(Batch)).Allowed);
        Assert.False(policies.Evaluate(Request(null)).Allowed);
    }

    [Fact]
    public void Evaluate_HeaderConditions_AllMustHold()
    {
        var policies = Compile("""
            - name: debug-off
              action: DENY
              rules:
                - headers:
                    - { name: x-debug, exact: "1" }
                    - { name: x-tenant, prefix: test- }
            """);

        Assert.False(policies.Evaluate(Request(null, headers: [("x-debug", "1"), ("x-tenant", "test-a")])).Allowed);
        Assert.True(policies.Evaluate(Request(null, headers: [("x-debug", "1"), ("x-tenant", "prod")])).Allowed);
        Assert.True(policies.Evaluate(Request(null, headers: [("x-debug", "1")])).Allowed);
    }

    [Fact]
    public void Evaluate_ClaimConditions_AnyValueOfAnArrayMatches()
    {
        var policies = Compile("""
            - name: admins
              action: ALLOW
              rules:
                - claims:
                    - { name: groups, exact: admins }
                    - { name: scope, regex: "(.* )?users:write( .*)?" }
            """);

        var admin = Claims(("groups", "staff"), ("groups", "admins"), ("scope", "users:read users:write"));
        var staff = Claims(("groups", "staff"), ("scope", "users:read users:write"));

        Assert.True(policies.Evaluate(Request(null, claims: admin)).Allowed);
        Assert.False(policies.Evaluate(Request(null, claims: staff)).Allowed);
        Assert.False(policies.Evaluate(Request(null, claims: null)).Allowed);
    }

    [Fact]
    public void Evaluate_ClaimPresentFalse_MatchesCallsWithoutIt()
    {
        var policies = Compile("""
            - name: need-token
              action: DENY
              rules: [ { methods: [ "/users.v1.UserService/*" ], claims: [ { name: sub, present: false } ] } ]
            """);

        Assert.False(policies.Evaluate(Request(null, claims: null)).Allowed);
        Assert.True(policies.Evaluate(Request(null, claims: Claims(("sub", "alice")))).Allowed);
        Assert.True(policies.Evaluate(Request(null, "/other.v1.Other/Call", claims: null)).Allowed);
    }

    [Fact]
    public void Evaluate_RuleConditions_AllKindsAnded()
    {
        var policies = Compile("""
            - name: web-reads
              action: ALLOW
              rules:
                - principals: [ { exact: "spiffe://example.org/ns/shop/sa/web" } ]
                  methods: [ /users.v1.UserService/GetUser ]
                  headers: [ { name: x-env, exact: prod } ]
            """);

        Assert.True(policies.Evaluate(Request(Web, headers: [("x-env", "prod")])).Allowed);
        Assert.False(policies.Evaluate(Request(Batch, headers: [("x-env", "prod")])).Allowed);
        Assert.False(policies.Evaluate(Request(Web, "/users.v1.UserService/DeleteUser", headers: [("x-env", "prod")])).Allowed);
        Assert.False(policies.Evaluate(Request(Web, headers: [("x-env", "dev")])).Allowed);
    }

    [Fact]
    public void Evaluate_SameDecision_IsTheSameObject()
    {
        var policies = Compile("""
            - name: no-batch
              action: DENY
              rules: [ { principals: [ { exact: "spiffe://example.org/ns/jobs/sa/batch" } ] } ]
            """);

        // Decisions are made at load: deciding a call allocates none (the metric keeps its series beside them).
        Assert.Same(policies.Evaluate(Request(Batch)), policies.Evaluate(Request(Batch)));
        Assert.Same(AuthorizationDecision.NoMatchAllowed, policies.Evaluate(Request(Web)));
    }

    private static AuthorizationPolicySet Compile(string policies)
    {
        var indented = string.Join('\n', policies.Split('\n').Select(l => "    " + l));
        var config = ConfigAssert.LoadValid($"authorization:\n  policies:\n{indented}\n{ConfigAssert.OneRoute}");
        return AuthorizationPolicySet.Compile(config.Authorization)!;
    }

    private static AuthorizationRequest Request(string? principal, string method = GetUser, (string Name, string Value)[]? headers = null, JwtClaims? claims = null)
    {
        var dictionary = new HeaderDictionary();
        foreach (var (name, value) in headers ?? [])
        {
            dictionary[name] = value;
        }

        return new AuthorizationRequest(principal, method, dictionary, claims);
    }

    private static JwtClaims Claims(params (string Type, string Value)[] claims) =>
        new(claims.Select(c => new Claim(c.Type, c.Value)));
}
