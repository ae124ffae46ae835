using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MeshProxy.Discovery.Kube;

namespace MeshProxy.Tests.Discovery.Kube;

public sealed class KubeconfigReaderTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("meshproxy-kubeconfig-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Read_CurrentContext_ItsServerNamespaceCaAndToken()
    {
        var (caPem, _) = SelfSigned("CN=cluster-ca");
        var path = Write("config", $$"""
            apiVersion: v1
            kind: Config
            clusters:
              - name: other
                cluster: { server: "https://other.example:6443" }
              - name: prod
                cluster:
                  server: https://10.96.0.1:443
                  certificate-authority-data: {{Base64(caPem)}}
                  tls-server-name: kubernetes.default.svc
            users:
              - name: ci
                user: { token: abc.def }
            contexts:
              - name: other
                context: { cluster: other, user: ci }
              - name: prod
                context: { cluster: prod, user: ci, namespace: shop }
            current-context: prod
            """);

        var settings = KubeconfigReader.Read([path], TimeProvider.System);

        Assert.Equal(new Uri("https://10.96.0.1:443"), settings.Server);
        Assert.Equal("shop", settings.DefaultNamespace);
        Assert.Equal($"kubeconfig {path}, context prod", settings.Source);
        Assert.Equal("CN=cluster-ca", Assert.Single(settings.Authority!).Subject);
        Assert.Equal("kubernetes.default.svc", settings.TlsServerName);
        Assert.False(settings.SkipTlsVerify);
        Assert.Null(settings.ClientCertificate);
        var header = await settings.Credentials!.GetAsync(CancellationToken.None);
        Assert.Equal(("Bearer", "abc.def"), (header.Scheme, header.Parameter));
    }

    [Fact]
    public async Task Read_SeveralFiles_FirstToDefineANameOrTheContextWins_PathsRelativeToTheirFile()
    {
        var (caPem, _) = SelfSigned("CN=from-b");
        Directory.CreateDirectory(Path.Combine(_directory, "b"));
        File.WriteAllText(Path.Combine(_directory, "b", "ca.pem"), caPem);
        var a = Write("a", """
            users:
              - name: me
                user: { username: admin, password: s3cret }
            contexts:
              - name: dev
                context: { cluster: dev, user: me }
            current-context: dev
            """);
        var b = Write(Path.Combine("b", "config"), """
            clusters:
              - name: dev
                cluster: { server: "https://dev.example:6443", certificate-authority: ca.pem, insecure-skip-tls-verify: false }
            users:
              - name: me
                user: { token: from-b }
            current-context: ignored
            """);

        var settings = KubeconfigReader.Read([Path.Combine(_directory, "missing"), a, b], TimeProvider.System);

        Assert.Equal(new Uri("https://dev.example:6443"), settings.Server);
        Assert.Equal("default", settings.DefaultNamespace);
        Assert.Equal("CN=from-b", Assert.Single(settings.Authority!).Subject);
        var header = await settings.Credentials!.GetAsync(CancellationToken.None);
        Assert.Equal(("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:s3cret"))), (header.Scheme, header.Parameter));
    }

    [Fact]
    public async Task Read_ClientCertificateFilesAndTokenFile_CertificateWithItsKeyAndTheFileToken()
    {
        var (certificatePem, keyPem) = SelfSigned("CN=meshproxy-client");
        File.WriteAllText(Path.Combine(_directory, "client.crt"), certificatePem);
        File.WriteAllText(Path.Combine(_directory, "client.key"), keyPem);
        File.WriteAllText(Path.Combine(_directory, "token"), "from-file\n");
        var path = Write("config", """
            clusters: [{ name: c, cluster: { server: "https://127.0.0.1:6443", insecure-skip-tls-verify: true } }]
            users: [{ name: u, user: { client-certificate: client.crt, client-key: client.key, tokenFile: token } }]
            contexts: [{ name: x, context: { cluster: c, user: u } }]
            current-context: x
            """);

        var settings = KubeconfigReader.Read([path], TimeProvider.System);

        Assert.True(settings.SkipTlsVerify);
        Assert.Equal("CN=meshproxy-client", settings.ClientCertificate!.Subject);
        Assert.True(settings.ClientCertificate.HasPrivateKey);
        var tokenFile = Assert.IsType<TokenFileCredentials>(settings.Credentials);
        Assert.Equal(Path.Combine(_directory, "token"), tokenFile.Path);
        Assert.Equal("from-file", (await tokenFile.GetAsync(CancellationToken.None)).Parameter);
    }

    [Theory]
    [InlineData("users: [{ name: u, user: { auth-provider: { name: oidc } } }]", "user 'u'.auth-provider: 'oidc' auth providers were removed")]
    [InlineData("users: [{ name: u, user: { client-certificate-data: QUJD } }]", "user 'u': client-certificate and client-key go together; only one is set")]
    [InlineData("users: [{ name: u, user: { client-certificate-data: '%%%', client-key-data: QUJD } }]", "user 'u'.client-certificate-data: not base64")]
    [InlineData("users: [{ name: u, user: { exec: { args: [x] } } }]", "user 'u'.exec: no command")]
    [InlineData("users: [{ name: u, user: { token: [a, b] } }]", "user 'u'.token: expected a string")]
    public void Read_UnusableUser_RefusedNamingFileUserAndKey(string users, string expected)
    {
        var path = Write("config", $$"""
            clusters: [{ name: c, cluster: { server: "https://127.0.0.1:6443" } }]
            {{users}}
            contexts: [{ name: x, context: { cluster: c, user: u } }]
            current-context: x
            """);

        var error = Assert.Throws<KubeconfigException>(() => KubeconfigReader.Read([path], TimeProvider.System));

        Assert.Equal($"kubeconfig {path}: {expected}", error.Message[..Math.Min(error.Message.Length, $"kubeconfig {path}: {expected}".Length)]);
    }

    [Theory]
    [InlineData("contexts: [{ name: x, context: { cluster: c } }]", "kubeconfig {0}: no current-context is set")]
    [InlineData("contexts: [{ name: x, context: { cluster: c } }]\ncurrent-context: y", "kubeconfig {0}: current-context 'y' is not among its contexts")]
    [InlineData("contexts: [{ name: x, context: { cluster: nope } }]\ncurrent-context: x", "kubeconfig {0}: context 'x' names cluster 'nope', which no kubeconfig defines")]
    [InlineData("contexts: [{ name: x, context: { cluster: c, user: ghost } }]\ncurrent-context: x", "kubeconfig {0}: context 'x' names user 'ghost', which no kubeconfig defines")]
    [InlineData("contexts: [{ name: x, context: { cluster: bad } }]\ncurrent-context: x", "kubeconfig {0}: cluster 'bad'.server: 'ftp://files' is not an http or https address")]
    [InlineData("contexts: [{ name: x, context: { cluster: c } }]\ncurrent-context: x: y", "kubeconfig {0}: line 3:")]
    [InlineData("contexts: [{ name: x, context: { cluster: c } }\ncurrent-context: x", "kubeconfig {0}: not valid YAML")]
    public void Read_BrokenContext_RefusedWithTheReason(string contexts, string expected)
    {
        var path = Write("config", $$"""
            clusters: [{ name: c, cluster: { server: "https://127.0.0.1:6443" } }, { name: bad, cluster: { server: "ftp://files" } }]
            {{contexts}}
            """);

        var error = Assert.Throws<KubeconfigException>(() => KubeconfigReader.Read([path], TimeProvider.System));

        Assert.StartsWith(string.Format(System.Globalization.CultureInfo.InvariantCulture, expected, path), error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://proxy.internal:3128", "http://proxy.internal:3128/")]
    [InlineData("socks5://127.0.0.1:1080", "socks5://127.0.0.1:1080/")]
    [InlineData("", null)]
    public void Read_ProxyUrl_HttpOrSocks5(string proxyUrl, string? expected)
    {
        var path = Write("config", $$"""
            clusters: [{ name: c, cluster: { server: "https://10.96.0.1:443", proxy-url: "{{proxyUrl}}" } }]
            contexts: [{ name: x, context: { cluster: c } }]
            current-context: x
            """);

        var settings = KubeconfigReader.Read([path], TimeProvider.System);

        Assert.Equal(expected, settings.Proxy?.ToString());
    }

    [Theory]
    [InlineData("https://proxy.internal:3128", "a proxy reached over TLS is not supported; use an http or socks5 proxy")]
    [InlineData("ftp://proxy.internal", "is not an http, https or socks5 address")]
    [InlineData("proxy.internal:3128", "is not an http, https or socks5 address")]
    public void Read_ProxyUrlItCannotUse_RefusedNamingTheCluster(string proxyUrl, string expected)
    {
        var path = Write("config", $$"""
            clusters: [{ name: c, cluster: { server: "https://10.96.0.1:443", proxy-url: "{{proxyUrl}}" } }]
            contexts: [{ name: x, context: { cluster: c } }]
            current-context: x
            """);

        var error = Assert.Throws<KubeconfigException>(() => KubeconfigReader.Read([path], TimeProvider.System));

        Assert.StartsWith($"kubeconfig {path}: cluster 'c'.proxy-url: '{proxyUrl}'", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NoFileAtAll_SaysWhereItLooked()
    {
        var missing = Path.Combine(_directory, "nope");

        var error = Assert.Throws<KubeconfigException>(() => KubeconfigReader.Read([missing], TimeProvider.System));

        Assert.Equal($"no kubeconfig file at {missing}", error.Message);
    }

    [Fact]
    public void ServiceAccount_Ipv6HostNamespaceAndCa_BracketedAddress()
    {
        var (caPem, _) = SelfSigned("CN=kube-ca");
        File.WriteAllText(Path.Combine(_directory, "ca.crt"), caPem);
        File.WriteAllText(Path.Combine(_directory, "namespace"), "payments\n");
        File.WriteAllText(Path.Combine(_directory, "token"), "t");

        var settings = ServiceAccountConfig.Read(_directory, "fd00:10:96::1", "443", TimeProvider.System);

        Assert.Equal(new Uri("https://[fd00:10:96::1]:443"), settings.Server);
        Assert.Equal("payments", settings.DefaultNamespace);
        Assert.Equal("service account", settings.Source);
        Assert.Equal("CN=kube-ca", Assert.Single(settings.Authority!).Subject);
        Assert.Equal(Path.Combine(_directory, "token"), Assert.IsType<TokenFileCredentials>(settings.Credentials).Path);
    }

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private static (string CertificatePem, string KeyPem) SelfSigned(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));
        return (certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    private string Write(string name, string yaml)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, yaml);
        return path;
    }
}
