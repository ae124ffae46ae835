using System.Text;
using System.Text.Json;
using MeshProxy.Admin;
using MeshProxy.Configuration;
using MeshProxy.Configuration.Reload;
using MeshProxy.Routing;
using MeshProxy.TestSupport;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace MeshProxy.Tests.Admin;

public sealed class AdminEndpointsTests
{
    private static string Yaml(string version) => $$"""
        version: {{version}}
        routes:
          - name: r
            match: { prefix: / }
            cluster: a
        clusters:
          a: { destinations: [ { address: "http://127.0.0.1:1" } ] }
        """;

    // Issue 12: /config read the route snapshot and the reload status apart, so a reload landing between the two reads
    // showed the new config under the old generation and hash. Here the routes move on (as a reload does first) while the
    // status still describes the previous config: the dump must stay the pair the status names.
    [Fact]
    public async Task Config_RoutesSwappedBeforeStatus_ShowsTheConfigTheStatusDescribes()
    {
        using var snapshots = new ProxySnapshotProvider(new Random(1), new FakeTimeProvider(), TimeSpan.FromSeconds(10));
        var (reloader, first) = Start(snapshots);
        snapshots.Apply(ConfigLoader.Load(Yaml("v2")).Config!);

        using var json = await GetConfigAsync(new AdminEndpoints(snapshots, reloader)).DefaultTimeout();

        Assert.Equal("v1", json.RootElement.GetProperty("version").GetString());
        Assert.Equal(1, json.RootElement.GetProperty("reload").GetProperty("generation").GetInt64());
        Assert.Equal(ConfigReloader.Hash(first), json.RootElement.GetProperty("reload").GetProperty("hash").GetString());
    }

    [Fact]
    public async Task Config_AfterReload_ShowsTheNewConfigWithItsGeneration()
    {
        using var snapshots = new ProxySnapshotProvider(new Random(1), new FakeTimeProvider(), TimeSpan.FromSeconds(10));
        var (reloader, _) = Start(snapshots);
        Assert.Equal(ConfigReloadOutcome.Applied, reloader.Reload(Encoding.UTF8.GetBytes(Yaml("v2"))));

        using var json = await GetConfigAsync(new AdminEndpoints(snapshots, reloader)).DefaultTimeout();

        Assert.Equal("v2", json.RootElement.GetProperty("version").GetString());
        Assert.Equal(2, json.RootElement.GetProperty("reload").GetProperty("generation").GetInt64());
    }

    [Fact]
    public async Task Config_SecuritySections_ShowPathsAndSettingsFromTheLiveSnapshot()
    {
        using var snapshots = new ProxySnapshotProvider(new Random(1), new FakeTimeProvider(), TimeSpan.FromSeconds(10));
        var reloader = new ConfigReloader(snapshots, new FakeTimeProvider(), NullLogger<ConfigReloader>.Instance);
        var content = Encoding.UTF8.GetBytes("""
            version: secure
            listeners:
              grpc: { address: 127.0.0.1, port: 7070 }
              mtls: { address: 0.0.0.0, port: 7443 }
            tls:
              directory: /var/run/secrets/meshproxy/tls
              bundleFile: bundle.pem
              trustDomain: example.org
              pollInterval: 2s
            authorization:
              policies:
                - name: no-jobs
                  action: DENY
                  rules: [ { principals: [ { prefix: "spiffe://example.org/ns/jobs/" } ] } ]
                - name: web
                  action: ALLOW
                  rules:
                    - principals: [ { glob: "spiffe://example.org/ns/*/sa/web" } ]
                      methods: [ "/orders.v1.Orders/*" ]
                      headers: [ { name: x-env, exact: prod } ]
                      claims: [ { name: groups, present: true } ]
            jwt:
              issuer: https://auth.example.com
              audiences: [ orders-api ]
              jwksFile: keys/jwks.json
              claimHeaders: { sub: x-user-id }
            routes:
              - { name: r, match: { prefix: / }, cluster: users }
            clusters:
              users:
                destinations: [ { address: "https://users:7443" } ]
                tls: { spiffeId: "spiffe://example.org/ns/shop/sa/users" }
            """);
        reloader.Start(ConfigReloader.Load(content).Config!, ConfigReloader.Hash(content));

        using var json = await GetConfigAsync(new AdminEndpoints(snapshots, reloader)).DefaultTimeout();
        var root = json.RootElement;

        Assert.Equal("""{"address":"0.0.0.0","port":7443}""", Compact(root.GetProperty("listeners").GetProperty("mtls")));
        Assert.Equal(
            """{"directory":"/var/run/secrets/meshproxy/tls","certificateFile":"tls.crt","keyFile":"tls.key","bundleFile":"bundle.pem","mode":"strict","trustDomain":"example.org","pollInterval":"2s","expiryWarning":"1h","forwardClientCertHeader":"x-forwarded-client-cert"}""",
            Compact(root.GetProperty("tls")));
        Assert.Equal("""{"spiffeId":"spiffe://example.org/ns/shop/sa/users"}""", Compact(root.GetProperty("clusters").GetProperty("users").GetProperty("tls")));
        Assert.Equal(
            """{"policies":[{"name":"no-jobs","action":"DENY","rules":[{"principals":[{"prefix":"spiffe://example.org/ns/jobs/"}],"methods":[],"headers":[],"claims":[]}]},"""
            + """{"name":"web","action":"ALLOW","rules":[{"principals":[{"glob":"spiffe://example.org/ns/*/sa/web"}],"methods":["/orders.v1.Orders/*"],"headers":[{"name":"x-env","exact":"prod"}],"claims":[{"name":"groups","present":true}]}]}]}""",
            Compact(root.GetProperty("authorization")));
        Assert.Equal(
            """{"issuer":"https://auth.example.com","audiences":["orders-api"],"jwksFile":"keys/jwks.json","required":true,"clockSkew":"30s","claimHeaders":{"sub":"x-user-id"}}""",
            Compact(root.GetProperty("jwt")));
    }

    [Fact]
    public async Task Config_NoSecuritySections_NoTlsNoJwtAndNoPolicies()
    {
        using var snapshots = new ProxySnapshotProvider(new Random(1), new FakeTimeProvider(), TimeSpan.FromSeconds(10));
        var (reloader, _) = Start(snapshots);

        using var json = await GetConfigAsync(new AdminEndpoints(snapshots, reloader)).DefaultTimeout();
        var root = json.RootElement;

        Assert.False(root.TryGetProperty("tls", out _));
        Assert.False(root.TryGetProperty("jwt", out _));
        Assert.False(root.GetProperty("listeners").TryGetProperty("mtls", out _));
        Assert.False(root.GetProperty("clusters").GetProperty("a").TryGetProperty("tls", out _));
        Assert.Equal("""{"policies":[]}""", Compact(root.GetProperty("authorization")));
    }

    /// <summary>A reloader over <paramref name="snapshots"/> that started with config v1; returns it and v1's bytes.</summary>
    private static (ConfigReloader Reloader, byte[] First) Start(ProxySnapshotProvider snapshots)
    {
        var reloader = new ConfigReloader(snapshots, new FakeTimeProvider(), NullLogger<ConfigReloader>.Instance);
        var first = Encoding.UTF8.GetBytes(Yaml("v1"));
        reloader.Start(ConfigReloader.Load(first).Config!, ConfigReloader.Hash(first));
        return (reloader, first);
    }

    // The dump is indented for people; compare the content.
    private static string Compact(JsonElement element) => JsonSerializer.Serialize(element);

    private static async Task<JsonDocument> GetConfigAsync(AdminEndpoints endpoints)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Path = "/config";
        var body = new MemoryStream();
        context.Response.Body = body;
        await endpoints.InvokeAsync(context);
        await context.Response.BodyWriter.FlushAsync();
        Assert.Equal(200, context.Response.StatusCode);
        return JsonDocument.Parse(body.ToArray());
    }
}
