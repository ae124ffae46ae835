using System.Net;
using System.Text.Json;
using MeshProxy.FunctionalTests.Observability;
using MeshProxy.TestSupport;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests.Security;

/// <summary>Authorization policies on the gRPC and REST listeners over real sockets (cleartext: method, header and claim forms).</summary>
public sealed class AuthorizationPolicyTests(ITestOutputHelper output)
{
    private const string Get = "/orders.v1.Orders/Get";
    private const string Delete = "/orders.v1.Orders/Delete";
    private const string Reset = "/orders.v1.Admin/Reset";

    [Fact]
    public async Task Grpc_DenyPolicies_PermissionDeniedTrailersOnlyNamingTheRule()
    {
        await using var stack = await AuthorizationStack.StartAsync("""
            authorization:
              policies:
                - name: no-deletes
                  action: DENY
                  rules: [ { methods: [ /orders.v1.Orders/Delete ] } ]
                - name: no-debug
                  action: DENY
                  rules:
                    - methods: [ "/orders.v1.Admin/*" ]
                    - headers: [ { name: x-debug, exact: "1" } ]
            """, output);

        var get = await stack.CallAsync(Get);
        var delete = await stack.CallAsync(Delete);
        var admin = await stack.CallAsync(Reset);
        var debug = await stack.CallAsync(Get, ("x-debug", "1"));

        Assert.Equal("0", get.Status);
        Assert.Equal(("7", "denied by authorization policy 'no-deletes' (DENY, rules[0])", true), delete);
        Assert.Equal(("7", "denied by authorization policy 'no-debug' (DENY, rules[0])", true), admin);
        Assert.Equal(("7", "denied by authorization policy 'no-debug' (DENY, rules[1])", true), debug);
        Assert.Equal(1, stack.Named.Calls);

        var metrics = await stack.ScrapeAsync();
        Assert.Equal(1, MetricsSample.Sum(metrics, "meshproxy_authz_decisions_total", ("policy", "no-deletes"), ("action", "DENY"), ("result", "denied")));
        Assert.Equal(2, MetricsSample.Sum(metrics, "meshproxy_authz_decisions_total", ("policy", "no-debug"), ("action", "DENY"), ("result", "denied")));
        Assert.Equal(1, MetricsSample.Sum(metrics, "meshproxy_authz_decisions_total", ("policy", ""), ("action", ""), ("result", "allowed")));
    }

    [Fact]
    public async Task Grpc_AllowPolicies_OnlyWhatMatchesPasses()
    {
        await using var stack = await AuthorizationStack.StartAsync("""
            authorization:
              policies:
                - name: readers
                  action: ALLOW
                  rules: [ { methods: [ /orders.v1.Orders/Get ] } ]
                - name: tenant-acme
                  action: ALLOW
                  rules: [ { methods: [ "/orders.v1.Orders/*" ], headers: [ { name: x-tenant, exact: acme } ] } ]
            """, output);

        Assert.Equal("0", (await stack.CallAsync(Get)).Status);
        Assert.Equal(("7", "no ALLOW authorization policy matches this call", true), await stack.CallAsync(Delete));
        Assert.Equal("0", (await stack.CallAsync(Delete, ("x-tenant", "acme"))).Status);
        Assert.Equal("7", (await stack.CallAsync(Delete, ("x-tenant", "globex"))).Status);
        Assert.Equal("7", (await stack.CallAsync(Reset, ("x-tenant", "acme"))).Status);

        var metrics = await stack.ScrapeAsync();
        Assert.Equal(1, MetricsSample.Sum(metrics, "meshproxy_authz_decisions_total", ("policy", "readers"), ("action", "ALLOW"), ("result", "allowed")));
        Assert.Equal(1, MetricsSample.Sum(metrics, "meshproxy_authz_decisions_total", ("policy", "tenant-acme"), ("action", "ALLOW"), ("result", "allowed")));
        Assert.Equal(3, MetricsSample.Sum(metrics, "meshproxy_authz_decisions_total", ("policy", ""), ("action", ""), ("result", "denied")));
    }

    [Fact]
    public async Task Grpc_NoPolicies_NothingCounted()
    {
        await using var stack = await AuthorizationStack.StartAsync(string.Empty, output);

        Assert.Equal("0", (await stack.CallAsync(Delete)).Status);

        Assert.DoesNotContain(await stack.ScrapeAsync(), s => s.Name == "meshproxy_authz_decisions_total");
    }

    [Fact]
    public async Task Rest_DeniedByTheGrpcMethodItMapsTo_403WithStatusBody()
    {
        await using var stack = await AuthorizationStack.StartAsync("""
            authorization:
              policies:
                - name: no-probes
                  action: DENY
                  rules: [ { methods: [ /meshproxy.testing.v1.TranscodingTestService/Probe ], headers: [ { name: x-env, exact: prod } ] } ]
            """, output);

        using var allowed = await stack.Rest.SendAsync(HttpMethod.Post, "/v1/test/probe/echo", "{}").DefaultTimeout();
        using var denied = await stack.Rest.SendAsync(HttpMethod.Post, "/v1/test/probe/echo", "{}", ("x-env", "prod")).DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.Equal("application/json; charset=utf-8", denied.Content.Headers.ContentType?.ToString());
        Assert.Equal(
            """{"code":7,"message":"denied by authorization policy 'no-probes' (DENY, rules[0])","details":[]}""",
            await denied.Content.ReadAsStringAsync().DefaultTimeout());

        // Decided once, at the REST edge: the transcoded call is not counted again.
        var metrics = await stack.ScrapeAsync();
        Assert.Equal(1, MetricsSample.Sum(metrics, "meshproxy_authz_decisions_total", ("policy", "no-probes"), ("result", "denied")));
        Assert.Equal(1, MetricsSample.Sum(metrics, "meshproxy_authz_decisions_total", ("policy", ""), ("result", "allowed")));
    }

    [Fact]
    public async Task Reload_PolicyEdit_AppliesLiveAndAnInvalidEditKeepsTheLastGood()
    {
        await using var stack = await AuthorizationStack.StartAsync(string.Empty, output);
        Assert.Equal("0", (await stack.CallAsync(Delete)).Status);

        await stack.Sidecar.WriteConfigAsync(stack.ConfigWith("""
            authorization:
              policies:
                - { name: no-deletes, action: DENY, rules: [ { methods: [ /orders.v1.Orders/Delete ] } ] }
            """));
        await stack.Sidecar.WaitForGenerationAsync(2);

        Assert.Equal("7", (await stack.CallAsync(Delete)).Status);
        Assert.Equal("0", (await stack.CallAsync(Get)).Status);

        await stack.Sidecar.WriteConfigAsync(stack.ConfigWith("""
            authorization:
              policies:
                - { name: no-deletes, action: REJECT, rules: [ { methods: [ /orders.v1.Orders/Delete ] } ] }
                - { name: no-gets, action: DENY, rules: [ { methods: [ /orders.v1.Orders/Get ], principals: [ { glob: "spiffe://example.org/ns/sh*p" } ] } ] }
            """));
        var refused = await stack.Sidecar.WaitForAsync(s => s.LastError is not null);

        Assert.Equal(2, refused.Generation);
        using (var admin = await stack.Sidecar.AdminConfigAsync())
        {
            var errors = admin.RootElement.GetProperty("reload").GetProperty("lastError").GetProperty("errors").EnumerateArray()
                .Select(e => (e.GetProperty("path").GetString(), e.GetProperty("message").GetString())).ToArray();
            Assert.Equal(
                [
                    ("authorization.policies[0].action", "expected ALLOW or DENY, found 'REJECT'"),
                    ("authorization.policies[1].rules[0].principals[0].glob", "'spiffe://example.org/ns/sh*p' is not a SPIFFE ID in which whole segments may be '*' (spiffe://example.org/ns/*/sa/web), nor '*'"),
                ],
                errors);
        }

        Assert.Equal("7", (await stack.CallAsync(Delete)).Status);
        Assert.Equal("0", (await stack.CallAsync(Get)).Status);
    }

    [Fact]
    public async Task AccessLog_RestCallWithToken_CarriesTheRequestPrincipal()
    {
        using var issuer = TestJwtIssuer.Rsa("k1");
        using var log = TempPath.File("authz-access", ".log");
        var stack = await AuthorizationStack.StartAsync($$"""
            accessLog: { enabled: true, path: "{{log.Path}}" }
            jwt: { issuer: https://issuer.example, audiences: [ orders ], jwksFile: jwks.json }
            """, output, TestJwtIssuer.Jwks(issuer));
        try
        {
            var token = issuer.Sign("https://issuer.example", "orders", DateTime.UtcNow.AddMinutes(5), claims: new Dictionary<string, object> { ["sub"] = "alice" });
            using var response = await stack.Rest.SendAsync(HttpMethod.Post, "/v1/test/probe/echo", "{}", ("Authorization", "Bearer " + token)).DefaultTimeout();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        finally
        {
            // Stopping drains the queue into the file.
            await stack.DisposeAsync();
        }

        var line = JsonDocument.Parse(Assert.Single(await File.ReadAllLinesAsync(log.Path))).RootElement;
        Assert.Equal("https://issuer.example/alice", line.GetProperty("request_principal").GetString());
        Assert.Equal(JsonValueKind.Null, line.GetProperty("caller").ValueKind);
    }
}
