using MeshProxy.Configuration;
using MeshProxy.Configuration.Reload;

namespace MeshProxy.Tests.Configuration;

/// <summary>The <c>tls:</c> section, the <c>listeners.mtls</c> listener and a cluster's <c>tls:</c> block: what is read, and every refusal with its path and message.</summary>
public sealed class TlsConfigTests
{
    private const string LoopbackGrpc = "listeners:\n  grpc: { address: 127.0.0.1, port: 7070 }\n";

    [Fact]
    public void Load_NoTlsSection_NoTlsAndNoMtlsListener()
    {
        var config = ConfigAssert.LoadValid(ConfigAssert.OneRoute);

        Assert.Null(config.Tls);
        Assert.Null(config.Listeners.Mtls);
        Assert.Null(Assert.Single(config.Clusters).Tls);
    }

    [Fact]
    public void Load_MinimalTls_DefaultsAndTheDefaultMtlsListener()
    {
        var config = ConfigAssert.LoadValid(LoopbackGrpc + "tls: { directory: /certs }\n" + ConfigAssert.OneRoute);

        Assert.Equal(new TlsConfig("/certs", "tls.crt", "tls.key", "ca.crt", TlsMode.Strict), config.Tls);
        Assert.Null(config.Tls!.TrustDomain);
        Assert.Equal(TimeSpan.FromSeconds(5), config.Tls.PollInterval);
        Assert.Equal(TimeSpan.FromHours(1), config.Tls.ExpiryWarning);
        Assert.Equal("x-forwarded-client-cert", config.Tls.ForwardClientCertHeader);
        Assert.Equal(new ListenerConfig("0.0.0.0", 7443), config.Listeners.Mtls);
    }

    [Fact]
    public void Load_FullTls_ReadsEveryKey()
    {
        var config = ConfigAssert.LoadValid("""
            listeners:
              grpc: { address: 0.0.0.0, port: 7070 }
              mtls: { address: 10.0.0.5, port: 8443 }
            tls:
              directory: /run/spire
              certificateFile: svid.pem
              keyFile: svid_key.pem
              bundleFile: bundle.pem
              mode: permissive
              trustDomain: example.org
              pollInterval: 2s
              expiryWarning: 30m
              forwardClientCertHeader: x-client-identity
            routes:
              - { name: r1, match: { prefix: / }, cluster: c1 }
            clusters:
              c1:
                destinations: [ { address: "https://users:7443" } ]
                tls: { spiffeId: "spiffe://example.org/ns/shop/sa/users" }
              c2:
                destinations: [ { address: "https://orders:7443" } ]
                tls: { trustDomain: example.org }
              c3:
                destinations: [ { address: "https://billing:7443" } ]
                tls: {}
            """);

        Assert.Equal(
            new TlsConfig("/run/spire", "svid.pem", "svid_key.pem", "bundle.pem", TlsMode.Permissive)
            {
                TrustDomain = "example.org",
                PollInterval = TimeSpan.FromSeconds(2),
                ExpiryWarning = TimeSpan.FromMinutes(30),
                ForwardClientCertHeader = "x-client-identity",
            },
            config.Tls);
        Assert.Equal(new ListenerConfig("10.0.0.5", 8443), config.Listeners.Mtls);
        Assert.Equal(
            [new ClusterTlsConfig("spiffe://example.org/ns/shop/sa/users", null), new ClusterTlsConfig(null, "example.org"), new ClusterTlsConfig(null, null)],
            config.Clusters.Select(c => c.Tls));
    }

    [Theory]
    [InlineData("tls: {}", "tls.directory", "is required (the mounted directory with the certificate, key and trust bundle)")]
    [InlineData("tls: { directory: /c, certificateFile: \"\" }", "tls.certificateFile", "must not be empty")]
    [InlineData("tls: { directory: /c, keyFile: \"\" }", "tls.keyFile", "must not be empty")]
    [InlineData("tls: { directory: /c, bundleFile: \"\" }", "tls.bundleFile", "must not be empty")]
    [InlineData("tls: { directory: /c, mode: STRICT }", "tls.mode", "expected 'strict' or 'permissive', found 'STRICT'")]
    [InlineData("tls: { directory: /c, trustDomain: Example.org }", "tls.trustDomain", "'Example.org' is not a trust domain: it must be non-empty lower-case letters, digits, '.', '-' or '_'")]
    [InlineData("tls: { directory: /c, trustDomain: \"spiffe://example.org\" }", "tls.trustDomain", "'spiffe://example.org' is not a trust domain: give the trust domain alone, without spiffe:// or a path (example.org)")]
    [InlineData("tls: { directory: /c, trustDomain: example.org/ns }", "tls.trustDomain", "'example.org/ns' is not a trust domain: give the trust domain alone, without spiffe:// or a path (example.org)")]
    [InlineData("tls: { directory: /c, pollInterval: 0s }", "tls.pollInterval", "must be above 0s (the backstop for missed file events)")]
    [InlineData("tls: { directory: /c, forwardClientCertHeader: X-Client-Cert }", "tls.forwardClientCertHeader", "'X-Client-Cert' is not a lower-case header name")]
    [InlineData("tls: { directory: /c, forwardClientCertHeader: \"x client\" }", "tls.forwardClientCertHeader", "'x client' is not a lower-case header name")]
    [InlineData("tls: { directory: /c, certDir: /d }", "tls.certDir", "unknown key")]
    public void Load_BadTls_ErrorNamesThePathAndWhy(string tls, string path, string message)
    {
        var errors = ConfigAssert.Errors(LoopbackGrpc + tls + "\n" + ConfigAssert.OneRoute);

        Assert.Equal(new ConfigError(path, message), Assert.Single(errors));
    }

    [Fact]
    public void Load_StrictWithNetworkGrpcListener_Refused()
    {
        var errors = ConfigAssert.Errors("listeners:\n  grpc: { address: 0.0.0.0, port: 7070 }\ntls: { directory: /c }\n" + ConfigAssert.OneRoute);

        Assert.Equal(
            new ConfigError("listeners.grpc.address", "'0.0.0.0' is not loopback: with tls.mode strict the cleartext gRPC listener serves only the local application (127.0.0.1 or ::1); use tls.mode permissive to keep it open during a migration"),
            Assert.Single(errors));
    }

    [Fact]
    public void Load_PermissiveWithNetworkGrpcListener_Accepted()
    {
        var config = ConfigAssert.LoadValid("listeners:\n  grpc: { address: 0.0.0.0, port: 7070 }\ntls: { directory: /c, mode: permissive }\n" + ConfigAssert.OneRoute);

        Assert.Equal(TlsMode.Permissive, config.Tls!.Mode);
    }

    [Theory]
    [InlineData("  mtls: { address: 127.0.0.1, port: 7443 }\n", "", "listeners.mtls", "needs the top-level 'tls:' section (the certificate the listener presents)")]
    [InlineData("  mtls: { address: 127.0.0.1, port: 7443, clientAuth: required }\n", "tls: { directory: /c }\n", "listeners.mtls.clientAuth", "unknown key")]
    [InlineData("  mtls: { address: 127.0.0.1, port: 70000 }\n", "tls: { directory: /c }\n", "listeners.mtls.port", "70000 is outside 0-65535")]
    [InlineData("  mtls: { address: 127.0.0.1, port: 7070 }\n", "tls: { directory: /c }\n", "listeners.mtls.port", "port 7070 is already used by listeners.grpc")]
    public void Load_BadMtlsListener_ErrorNamesThePathAndWhy(string listener, string tls, string path, string message)
    {
        var errors = ConfigAssert.Errors(LoopbackGrpc + listener + tls + ConfigAssert.OneRoute);

        Assert.Equal(new ConfigError(path, message), Assert.Single(errors));
    }

    [Fact]
    public void Load_LeanClientOnATlsCluster_RefusedWithThePath()
    {
        var errors = ConfigAssert.Errors($$"""
            {{LoopbackGrpc}}tls: { directory: /c }
            routes:
              - { name: r1, match: { prefix: / }, cluster: c1 }
            clusters:
              c1:
                destinations: [ { address: "https://users:7443" } ]
                tls: {}
                http2: { client: lean }
            """);

        Assert.Equal(new ConfigError("clusters.c1.http2.client", "the lean client speaks h2c only; a cluster with tls: takes 'sockets'"), Assert.Single(errors));
    }

    [Theory]
    [InlineData("tls: { directory: /c }", "http://users:7443", "{}", "clusters.c1.destinations[0].address", "'http://users:7443' is not an absolute https:// URI (the cluster has 'tls:')")]
    [InlineData("", "https://users:7443", "{}", "clusters.c1.tls", "needs the top-level 'tls:' section (the workload certificate to present and the bundle to check the server against)")]
    [InlineData("tls: { directory: /c }", "https://users:7443", "{ spiffeId: \"spiffe://example.org/ns/a/sa/b\", trustDomain: example.org }", "clusters.c1.tls", "give either 'spiffeId' or 'trustDomain', not both")]
    [InlineData("tls: { directory: /c }", "https://users:7443", "{ spiffeId: \"https://example.org/ns/a\" }", "clusters.c1.tls.spiffeId", "'https://example.org/ns/a' is not a SPIFFE ID: the scheme must be spiffe:// in lower case")]
    [InlineData("tls: { directory: /c }", "https://users:7443", "{ spiffeId: \"spiffe://example.org/ns//sa\" }", "clusters.c1.tls.spiffeId", "'spiffe://example.org/ns//sa' is not a SPIFFE ID: each path segment must be non-empty letters, digits, '.', '-' or '_' (not '.' or '..')")]
    [InlineData("tls: { directory: /c }", "https://users:7443", "{ trustDomain: \"spiffe://example.org\" }", "clusters.c1.tls.trustDomain", "'spiffe://example.org' is not a trust domain: give the trust domain alone, without spiffe:// or a path (example.org)")]
    [InlineData("tls: { directory: /c }", "https://users:7443", "{ sni: users }", "clusters.c1.tls.sni", "unknown key")]
    public void Load_BadClusterTls_ErrorNamesThePathAndWhy(string tls, string address, string clusterTls, string path, string message)
    {
        var errors = ConfigAssert.Errors($$"""
            {{LoopbackGrpc}}{{tls}}
            routes:
              - { name: r1, match: { prefix: / }, cluster: c1 }
            clusters:
              c1:
                destinations: [ { address: "{{address}}" } ]
                tls: {{clusterTls}}
            """);

        Assert.Equal(new ConfigError(path, message), Assert.Single(errors));
    }

    [Fact]
    public void ReloadCheck_TlsSectionChanged_RefusedAsNeedingARestart()
    {
        var live = new TlsConfig("/c", "tls.crt", "tls.key", "ca.crt", TlsMode.Strict);
        var errors = new ConfigErrors();

        TlsChangeValidator.Validate(live, live with { Mode = TlsMode.Permissive }, errors);
        TlsChangeValidator.Validate(live, live with { }, errors);

        Assert.Equal(
            new ConfigError("tls", "changing the tls section needs a restart (the certificate files themselves are re-read live)"),
            Assert.Single(errors.All));
    }
}
