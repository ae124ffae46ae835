using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using MeshProxy.FunctionalTests.Interop;
using MeshProxy.Hosting;
using MeshProxy.SampleBackends;
using MeshProxy.Samples.Users.V1;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.Security;

/// <summary>
/// A strict mTLS sidecar whose policy lets only <c>grpcjs</c> in, in front of the sample backend, and a folder for the
/// PEM files the node peers read.
/// </summary>
public sealed class GrpcJsMtlsFixture : IAsyncLifetime
{
    private WorkloadFiles? _files;

    public XunitLoggerProvider Logs { get; } = new(output: null);

    public TestCertificateAuthority Authority { get; } = TestCertificateAuthority.Create();

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("meshproxy-grpcjs-mtls-").FullName;

    internal SampleBackendHandle Backend { get; private set; } = null!;

    internal MeshProxyServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await NodePeers.EnsureInstalledAsync().DefaultTimeout();
        _files = new WorkloadFiles(Authority, MtlsMesh.Id("users"));
        Backend = await SampleBackend.StartAsync(new SampleBackendOptions { Port = 0, Address = "127.0.0.1", Version = "v1" }, Logs).DefaultTimeout();
        Server = await MtlsMesh.StartServerSideAsync(_files, Backend.Port, Logs, extra: MtlsMeshPair.AllowOnly(MtlsMesh.Id("grpcjs"))).DefaultTimeout();
    }

    /// <summary>Writes a certificate and its key as PEM files; the paths of both.</summary>
    public (string Certificate, string Key) WritePem(X509Certificate2 certificate)
    {
        var name = Path.Combine(Directory, Guid.NewGuid().ToString("N"));
        File.WriteAllText(name + ".crt", TestCertificates.CertificatePem(certificate));
        File.WriteAllText(name + ".key", TestCertificates.KeyPem(certificate));
        return (name + ".crt", name + ".key");
    }

    /// <summary>Writes a CA bundle; its path.</summary>
    public string WriteBundle(TestCertificateAuthority authority)
    {
        var path = Path.Combine(Directory, Guid.NewGuid().ToString("N") + "-ca.pem");
        File.WriteAllText(path, authority.Pem);
        return path;
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await Backend.DisposeAsync();
        _files?.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}

/// <summary>
/// @grpc/grpc-js as an independent mTLS peer, with certificates made in the test: as a client of the sidecar's strict
/// mTLS listener (tests/node/mtls/client.js, checking the sidecar's SPIFFE ID in <c>checkServerIdentity</c>), and as
/// the mTLS server upstream of a sidecar cluster with <c>tls: { spiffeId }</c> (tests/node/mtls/server.js, which asks
/// for and verifies the sidecar's client certificate). Node's TLS (OpenSSL) on one side, .NET's SslStream on the other.
/// </summary>
public sealed class GrpcJsMtlsPeerTests(GrpcJsMtlsFixture fixture) : IClassFixture<GrpcJsMtlsFixture>
{
    private const string GetUser = "/users.v1.UserService/GetUser";

    [Fact]
    public async Task GrpcJsClient_AllowedIdentity_PassesAndSeesTheSidecarsSpiffeId()
    {
        var client = fixture.Authority.Issue(MtlsMesh.Id("grpcjs"));

        var seen = await CallSidecarAsync(client, MtlsMesh.Id("users"));

        Assert.Equal(0, seen.GetProperty("code").GetInt32());
        Assert.Equal("Grace Hopper", seen.GetProperty("response").GetProperty("display_name").GetString());
        Assert.Equal([MtlsMesh.Id("users")], ServerIds(seen));
        var hash = Convert.ToHexStringLower(SHA256.HashData(client.RawData));
        Assert.Equal($"By={MtlsMesh.Id("users")};Hash={hash};URI={MtlsMesh.Id("grpcjs")}", fixture.Backend.LastCall(GetUser)?.Header("x-forwarded-client-cert"));
    }

    [Fact]
    public async Task GrpcJsClient_IdentityNotAllowed_PermissionDeniedByThePolicy()
    {
        var before = fixture.Backend.CallCount(GetUser);

        var seen = await CallSidecarAsync(fixture.Authority.Issue(MtlsMesh.Id("intruder")), MtlsMesh.Id("users"));

        Assert.Equal((int)StatusCode.PermissionDenied, seen.GetProperty("code").GetInt32());
        Assert.Equal("no ALLOW authorization policy matches this call", seen.GetProperty("details").GetString());
        Assert.Equal(before, fixture.Backend.CallCount(GetUser));
    }

    [Theory]
    [MemberData(nameof(MtlsMesh.InvalidClients), MemberType = typeof(MtlsMesh))]
    public async Task GrpcJsClient_CertificateRefused_HandshakeFailsAndNothingIsForwarded(string kind)
    {
        var client = MtlsMesh.InvalidClient(fixture.Authority, kind, "grpcjs");
        var before = fixture.Backend.CallCount(GetUser);

        var seen = await CallSidecarAsync(client, MtlsMesh.Id("users"));

        // grpc-js reports a connection the server closed in (or right after) the handshake as UNAVAILABLE; the call
        // never became a request (a refused request would be PERMISSION_DENIED from the policy).
        Assert.Equal((int)StatusCode.Unavailable, seen.GetProperty("code").GetInt32());
        Assert.Equal(before, fixture.Backend.CallCount(GetUser));
    }

    [Fact]
    public async Task GrpcJsClient_SidecarIsNotTheExpectedIdentity_RefusedByCheckServerIdentity()
    {
        var before = fixture.Backend.CallCount(GetUser);

        var seen = await CallSidecarAsync(fixture.Authority.Issue(MtlsMesh.Id("grpcjs")), MtlsMesh.Id("payments"));

        Assert.Equal((int)StatusCode.Unavailable, seen.GetProperty("code").GetInt32());
        Assert.Equal([MtlsMesh.Id("users")], ServerIds(seen));
        Assert.Equal(before, fixture.Backend.CallCount(GetUser));
    }

    [Fact]
    public async Task GrpcJsServer_AsMtlsUpstream_VerifiesTheSidecarsCertificateAndAnswers()
    {
        using var files = new WorkloadFiles(fixture.Authority, MtlsMesh.Id("frontend"));

        var user = await CallGrpcJsUpstreamAsync(files, MtlsMesh.Id("grpcjs-server"));

        // grpc-js answers with the client certificate's SPIFFE ID it verified: the sidecar's own.
        Assert.Equal("u-7", user.UserId);
        Assert.Equal(MtlsMesh.Id("frontend"), user.DisplayName);
        Assert.Equal("ssl", user.Labels["transport"]);
    }

    [Fact]
    public async Task GrpcJsServer_NotTheClustersSpiffeId_SidecarRefusesItUnavailable()
    {
        using var files = new WorkloadFiles(fixture.Authority, MtlsMesh.Id("frontend"));

        var error = await Assert.ThrowsAsync<RpcException>(() => CallGrpcJsUpstreamAsync(files, MtlsMesh.Id("payments")));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
    }

    [Fact]
    public async Task GrpcJsServer_SidecarCertificateFromAnotherCa_RefusedByGrpcJs()
    {
        // The sidecar trusts the server's CA (its bundle), but its own certificate comes from a CA grpc-js does not trust.
        var other = TestCertificateAuthority.Create("Another CA");
        using var files = new WorkloadFiles(other, MtlsMesh.Id("frontend"));
        files.Write(other.Issue(MtlsMesh.Id("frontend")), fixture.Authority.Pem);

        var error = await Assert.ThrowsAsync<RpcException>(() => CallGrpcJsUpstreamAsync(files, MtlsMesh.Id("grpcjs-server")));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
    }

    /// <summary>
    /// The application's call through a sidecar with <paramref name="files"/> whose cluster dials a grpc-js mTLS server
    /// (SPIFFE ID <c>grpcjs-server</c>, trusting the fixture's CA) and expects <paramref name="expectedServerId"/>.
    /// </summary>
    private async Task<User> CallGrpcJsUpstreamAsync(WorkloadFiles files, string expectedServerId)
    {
        var (certificate, key) = fixture.WritePem(fixture.Authority.Issue(MtlsMesh.Id("grpcjs-server")));
        await using var upstream = await GrpcJsServer.StartAsync("mtls/server.js", fixture.WriteBundle(fixture.Authority), certificate, key).DefaultTimeout();
        await using var sidecar = await MtlsMesh.StartClientSideAsync(files, upstream.Port, expectedServerId, fixture.Logs).DefaultTimeout();
        using var channel = GrpcChannel.ForAddress(sidecar.Address(ListenerName.Grpc));
        return await new UserService.UserServiceClient(channel).GetUserAsync(new GetUserRequest { UserId = "u-7" }).ResponseAsync.DefaultTimeout();
    }

    private async Task<JsonElement> CallSidecarAsync(X509Certificate2? client, string expectedServerId)
    {
        var (certificate, key) = client is null ? ("-", "-") : fixture.WritePem(client);
        var address = fixture.Server.EndPoint(ListenerName.Mtls).ToString();
        var result = await ProcessRunner.RunAsync(
            "node",
            [Path.Combine("mtls", "client.js"), address, fixture.WriteBundle(fixture.Authority), certificate, key, expectedServerId, "u-1002"],
            NodePeers.Directory,
            TimeSpan.FromSeconds(30)).DefaultTimeout();
        Assert.True(result.ExitCode == 0, result.StandardError);
        return JsonDocument.Parse(result.StandardOutput).RootElement.Clone();
    }

    private static string[] ServerIds(JsonElement seen) => [.. seen.GetProperty("serverIds").EnumerateArray().Select(e => e.GetString() ?? string.Empty)];
}
