using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using MeshProxy.FunctionalTests.Observability;
using MeshProxy.Hosting;
using MeshProxy.TestSupport;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests.Security;

/// <summary>
/// Policies on callers' SPIFFE IDs over real mTLS handshakes on loopback: each client presents its own certificate
/// from the test's CA, and the sidecar decides by the identity the handshake verified (issue 14, Done when).
/// </summary>
public sealed class MtlsAuthorizationTests : IDisposable
{
    private const string Web = "spiffe://example.org/ns/shop/sa/web";
    private const string Batch = "spiffe://example.org/ns/jobs/sa/batch";
    private const string Reporter = "spiffe://example.org/ns/finance/sa/reporter";

    private readonly TestCertificateAuthority _ca = TestCertificateAuthority.Create();
    private readonly WorkloadFiles _workload;
    private readonly string _directory = Directory.CreateTempSubdirectory("meshproxy-authz-mtls-").FullName;

    private readonly ITestOutputHelper _output;

    public MtlsAuthorizationTests(ITestOutputHelper output)
    {
        _output = output;

        // The serving sidecar's own SVID, in the trust domain its callers must share.
        _workload = new WorkloadFiles(_ca, "spiffe://example.org/ns/orders/sa/orders");
    }

    public void Dispose()
    {
        _workload.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Mtls_AllowedIdentityPasses_AnotherGetsPermissionDenied()
    {
        var log = Path.Combine(_directory, "access.log");
        var stack = await AuthorizationStack.StartAsync($$"""
            tls: { directory: "{{_workload.Directory}}" }
            accessLog: { enabled: true, path: "{{log}}" }
            authorization:
              policies:
                - name: shop-web
                  action: ALLOW
                  rules: [ { principals: [ { exact: "{{Web}}" } ], methods: [ "/orders.v1.Orders/*" ] } ]
            """, _output, mtls: true);
        try
        {
            using var web = Client(Web);
            using var batch = Client(Batch);

            Assert.Equal(("0", null), await CallAsync(stack, web, "/orders.v1.Orders/Get"));
            Assert.Equal(("7", "no ALLOW authorization policy matches this call"), await CallAsync(stack, batch, "/orders.v1.Orders/Get"));
            Assert.Equal(1, stack.Named.Calls);

            var metrics = await stack.ScrapeAsync();
            Assert.Equal(1, MetricsSample.Sum(metrics, "meshproxy_authz_decisions_total", ("policy", "shop-web"), ("action", "ALLOW"), ("result", "allowed")));
            Assert.Equal(1, MetricsSample.Sum(metrics, "meshproxy_authz_decisions_total", ("policy", ""), ("action", ""), ("result", "denied")));

            // The cleartext listener's caller has no identity, so the principal rule cannot match it.
            Assert.Equal("7", (await stack.CallAsync("/orders.v1.Orders/Get")).Status);
        }
        finally
        {
            await stack.DisposeAsync();
        }

        var callers = (await File.ReadAllLinesAsync(log)).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("caller")).ToArray();
        Assert.Equal([Web, Batch], callers.Where(c => c.ValueKind == JsonValueKind.String).Select(c => c.GetString()));
        Assert.Single(callers, c => c.ValueKind == JsonValueKind.Null);
    }

    [Fact]
    public async Task Mtls_PrefixAndGlobPrincipals_DecideByTheVerifiedIdentity()
    {
        await using var stack = await AuthorizationStack.StartAsync($$"""
            tls: { directory: "{{_workload.Directory}}" }
            authorization:
              policies:
                - name: no-jobs
                  action: DENY
                  rules: [ { principals: [ { prefix: "spiffe://example.org/ns/jobs/" } ] } ]
                - name: readers
                  action: ALLOW
                  rules:
                    - principals: [ { glob: "spiffe://example.org/ns/*/sa/reporter" }, { glob: "spiffe://example.org/ns/shop/sa/*" } ]
            """, _output, mtls: true);
        using var web = Client(Web);
        using var batch = Client(Batch);
        using var reporter = Client(Reporter);
        using var stranger = Client("spiffe://example.org/ns/finance/sa/clerk");

        Assert.Equal("0", (await CallAsync(stack, web, "/orders.v1.Orders/Get")).Status);
        Assert.Equal("0", (await CallAsync(stack, reporter, "/orders.v1.Orders/Get")).Status);
        Assert.Equal(("7", "denied by authorization policy 'no-jobs' (DENY, rules[0])"), await CallAsync(stack, batch, "/orders.v1.Orders/Get"));
        Assert.Equal(("7", "no ALLOW authorization policy matches this call"), await CallAsync(stack, stranger, "/orders.v1.Orders/Get"));
    }

    private HttpClient Client(string spiffeId)
    {
        var certificate = _ca.Issue(spiffeId);
        var ca = _ca.Certificate;
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = new X509CertificateCollection { certificate },
                ApplicationProtocols = [SslApplicationProtocol.Http2],

                // The sidecar is known by its chain to our CA, not by a host name (SPIFFE uses none).
                RemoteCertificateValidationCallback = (_, server, _, _) =>
                {
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(ca);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return server is X509Certificate2 leaf && chain.Build(leaf);
                },
            },
        };
        return new HttpClient(handler)
        {
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    private static async Task<(string? Status, string? Message)> CallAsync(AuthorizationStack stack, HttpClient client, string method)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(stack.Sidecar.Proxy.Address(ListenerName.Mtls), method))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(new byte[5]),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        using var response = await client.SendAsync(request).DefaultTimeout();
        await response.Content.ReadAsByteArrayAsync().DefaultTimeout();
        var message = response.Headers.TryGetValues("grpc-message", out var values) ? Uri.UnescapeDataString(values.Single()) : null;
        return (Infrastructure.GrpcHttp.Status(response), message);
    }
}
