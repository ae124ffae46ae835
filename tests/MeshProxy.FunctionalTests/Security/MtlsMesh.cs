using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;
using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.Hosting;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.Security;

/// <summary>A workload's certificate directory in a temporary folder, written as an issuer writes it.</summary>
internal sealed class WorkloadFiles : IDisposable
{
    private readonly bool _kubernetes;
    private readonly TempPath _directory = TempPath.Directory("tls");

    public WorkloadFiles(TestCertificateAuthority ca, string spiffeId, bool kubernetes = false)
    {
        Authority = ca;
        SpiffeId = spiffeId;
        _kubernetes = kubernetes;
        Certificate = ca.Issue(spiffeId);
        Write(Certificate);
    }

    public TestCertificateAuthority Authority { get; }

    public string SpiffeId { get; }

    public string Directory => _directory.Path;

    /// <summary>The certificate the files hold now.</summary>
    public X509Certificate2 Certificate { get; private set; }

    /// <summary>Replaces the files: a <c>..data</c> swap for a Kubernetes volume, renames otherwise.</summary>
    public void Write(X509Certificate2 certificate, string? bundlePem = null)
    {
        Certificate = certificate;
        if (_kubernetes)
        {
            TestCertificates.WriteKubernetesVolume(Directory, certificate, bundlePem ?? Authority.Pem);
        }
        else
        {
            TestCertificates.WriteFiles(Directory, certificate, bundlePem ?? Authority.Pem);
        }
    }

    /// <summary>A new certificate for the same ID from the same CA, written in place.</summary>
    public X509Certificate2 Rotate()
    {
        var next = Authority.Issue(SpiffeId);
        Write(next);
        return next;
    }

    public void Dispose() => _directory.Dispose();
}

/// <summary>Sidecars with mTLS on loopback, and clients that speak TLS to them directly.</summary>
internal static class MtlsMesh
{
    public const string TrustDomain = "mesh.test";

    public static string Id(string workload) => $"spiffe://{TrustDomain}/ns/default/sa/{workload}";

    /// <summary>The client certificates an mTLS listener in strict mode must refuse, by the names of <see cref="InvalidClient"/>.</summary>
    public static TheoryData<string> InvalidClients => ["none", "expired", "other-ca", "two-spiffe-ids", "no-spiffe-id", "other-trust-domain"];

    /// <summary>
    /// A client certificate for <paramref name="workload"/> that is not a valid SVID of <paramref name="ca"/>'s trust
    /// domain, of one of the <see cref="InvalidClients"/> kinds; null for "none" (no certificate at all).
    /// </summary>
    public static X509Certificate2? InvalidClient(TestCertificateAuthority ca, string kind, string workload) => kind switch
    {
        "none" => null,
        "expired" => ca.IssueExpired(Id(workload)),
        "other-ca" => TestCertificateAuthority.Create("Another CA").Issue(Id(workload)),
        "two-spiffe-ids" => ca.Issue([Id(workload), Id("admin")]),
        "no-spiffe-id" => ca.Issue([$"https://{workload}.{TrustDomain}/"]),
        "other-trust-domain" => ca.Issue($"spiffe://other.test/ns/default/sa/{workload}"),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>
    /// The serving side: an mTLS listener (and the loopback h2c listener for its own application) in front of a
    /// backend on <paramref name="backendPort"/>.
    /// </summary>
    public static Task<MeshProxyServer> StartServerSideAsync(WorkloadFiles files, int backendPort, XunitLoggerProvider logs, string mode = "strict", string extra = "") =>
        MeshProxyServer.StartAsync($$"""
            {{SampleStack.LoopbackListeners}}
              mtls:  { address: 127.0.0.1, port: 0 }
            tls:
              directory: {{files.Directory}}
              mode: {{mode}}
              pollInterval: 1s
            {{extra}}
            routes:
              - { name: local, match: { prefix: / }, cluster: app }
            clusters:
              app: { destinations: [ { address: "http://127.0.0.1:{{backendPort}}" } ] }
            """, logs);

    /// <summary>
    /// The calling side: its application calls the h2c listener, and every call goes over mTLS to
    /// <paramref name="serverMtlsPort"/>, whose certificate must carry <paramref name="expectedId"/>.
    /// </summary>
    public static Task<MeshProxyServer> StartClientSideAsync(WorkloadFiles files, int serverMtlsPort, string expectedId, XunitLoggerProvider logs, string clusterExtra = "") =>
        MeshProxyServer.StartAsync($$"""
            {{SampleStack.LoopbackListeners}}
              mtls:  { address: 127.0.0.1, port: 0 }
            tls:
              directory: {{files.Directory}}
              pollInterval: 1s
            routes:
              - { name: remote, match: { prefix: / }, cluster: remote }
            clusters:
              remote:
                destinations: [ { address: "https://127.0.0.1:{{serverMtlsPort}}" } ]
                tls: { spiffeId: "{{expectedId}}" }
            {{clusterExtra}}
            """, logs);

    /// <summary>A Grpc.Net.Client channel straight to an mTLS listener, presenting <paramref name="client"/> (or nothing).</summary>
    public static GrpcChannel Channel(MeshProxyServer server, X509Certificate2? client, X509Certificate2 bundle) =>
        GrpcChannel.ForAddress(server.Address(ListenerName.Mtls), new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                SslOptions = ClientOptions(client, bundle, _ => { }),
            },
        });

    /// <summary>
    /// One TLS connection to <paramref name="endPoint"/>: the handshake, then the HTTP/2 preface and an empty SETTINGS
    /// frame. Accepted when the server answers with a frame; a refused client sees an alert or the connection closing
    /// (with TLS 1.3 the server checks the client's certificate after the client has finished its side of the handshake).
    /// </summary>
    public static async Task<Handshake> HandshakeAsync(IPEndPoint endPoint, X509Certificate2? client, X509Certificate2 bundle, SslProtocols protocols = SslProtocols.None)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(endPoint).DefaultTimeout();
        await using var ssl = new SslStream(tcp.GetStream());
        X509Certificate2? server = null;
        var options = ClientOptions(client, bundle, presented => server = presented);
        options.EnabledSslProtocols = protocols;
        try
        {
            await ssl.AuthenticateAsClientAsync(options).DefaultTimeout();
            await ssl.WriteAsync("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray().Concat(new byte[] { 0, 0, 0, 4, 0, 0, 0, 0, 0 }).ToArray()).DefaultTimeout();
            var frame = new byte[9];
            var read = await ssl.ReadAsync(frame).DefaultTimeout();
            return new Handshake(read > 0, server, ssl.NegotiatedApplicationProtocol.ToString(), read > 0 ? null : "connection closed");
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException)
        {
            return new Handshake(false, server, null, ex.Message);
        }
    }

    /// <summary>A hand-made HTTP/2 connection (<see cref="RawHttp2Connection"/>) over a TLS connection to an mTLS listener, presenting <paramref name="client"/>.</summary>
    public static async Task<RawHttp2Connection> RawHttp2Async(IPEndPoint endPoint, X509Certificate2 client, X509Certificate2 bundle)
    {
        var tcp = new TcpClient { NoDelay = true };
        try
        {
            await tcp.ConnectAsync(endPoint).DefaultTimeout();
            var ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
            await ssl.AuthenticateAsClientAsync(ClientOptions(client, bundle, _ => { })).DefaultTimeout();
            Assert.Equal(SslApplicationProtocol.Http2, ssl.NegotiatedApplicationProtocol);
            return await RawHttp2Connection.StartAsync(ssl).DefaultTimeout();
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    private static SslClientAuthenticationOptions ClientOptions(X509Certificate2? client, X509Certificate2 bundle, Action<X509Certificate2> onServer) => new()
    {
        TargetHost = "localhost",
        ApplicationProtocols = [SslApplicationProtocol.Http2],
        ClientCertificateContext = client is null ? null : SslStreamCertificateContext.Create(client, null, offline: true),
        CertificateChainPolicy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            CustomTrustStore = { bundle },
            RevocationMode = X509RevocationMode.NoCheck,
        },
        RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
        {
            onServer(new X509Certificate2(certificate!));
            return (errors & ~SslPolicyErrors.RemoteCertificateNameMismatch) == SslPolicyErrors.None;
        },
    };
}

/// <summary>What one TLS connection attempt saw.</summary>
internal sealed record Handshake(bool Accepted, X509Certificate2? ServerCertificate, string? Alpn, string? Error);
