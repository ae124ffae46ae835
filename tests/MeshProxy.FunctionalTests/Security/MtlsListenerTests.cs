using System.Security.Authentication;
using System.Security.Cryptography;
using Grpc.Core;
using Grpc.Net.Client;
using MeshProxy.Hosting;
using MeshProxy.SampleBackends;
using MeshProxy.Samples.Users.V1;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.Security;

/// <summary>One sidecar with a strict mTLS listener in front of a sample backend, and the CA that issued its certificate.</summary>
public sealed class MtlsServerFixture : IAsyncLifetime
{
    private WorkloadFiles? _files;
    private SampleBackendHandle? _backend;

    public XunitLoggerProvider Logs { get; } = new(output: null);

    public TestCertificateAuthority Authority { get; } = TestCertificateAuthority.Create();

    internal WorkloadFiles Files => _files!;

    internal SampleBackendHandle Backend => _backend!;

    internal MeshProxyServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _files = new WorkloadFiles(Authority, MtlsMesh.Id("server"));
        _backend = await SampleBackend.StartAsync(new SampleBackendOptions { Port = 0, Address = "127.0.0.1", Version = "v1" }, Logs).DefaultTimeout();
        Server = await MtlsMesh.StartServerSideAsync(_files, _backend.Port, Logs).DefaultTimeout();
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await Backend.DisposeAsync();
        Files.Dispose();
    }
}

/// <summary>The inbound mTLS listener over real TLS handshakes on loopback: what it presents, whom it lets in, what it forwards.</summary>
public sealed class MtlsListenerTests(MtlsServerFixture fixture) : IClassFixture<MtlsServerFixture>
{
    private const string GetUser = "/users.v1.UserService/GetUser";

    private System.Net.IPEndPoint Endpoint => fixture.Server.EndPoint(ListenerName.Mtls);

    [Fact]
    public async Task Handshake_ClientOfTheTrustDomain_AcceptedWithH2AndTheWorkloadCertificate()
    {
        var handshake = await MtlsMesh.HandshakeAsync(Endpoint, fixture.Authority.Issue(MtlsMesh.Id("client")), fixture.Authority.Certificate);

        Assert.True(handshake.Accepted, handshake.Error);
        Assert.Equal("h2", handshake.Alpn);
        Assert.Equal(fixture.Files.Certificate.Thumbprint, handshake.ServerCertificate!.Thumbprint);
    }

    [Theory]
    [MemberData(nameof(MtlsMesh.InvalidClients), MemberType = typeof(MtlsMesh))]
    public async Task Handshake_ClientWithoutAValidSvid_Refused(string kind)
    {
        var client = MtlsMesh.InvalidClient(fixture.Authority, kind, "client");

        // TLS 1.3 (the default) and TLS 1.2, where the refusal comes inside the handshake itself.
        foreach (var protocols in new[] { SslProtocols.None, SslProtocols.Tls12 })
        {
            var handshake = await MtlsMesh.HandshakeAsync(Endpoint, client, fixture.Authority.Certificate, protocols);
            Assert.False(handshake.Accepted, $"{kind} over {protocols} was let in");
        }
    }

    [Fact]
    public async Task Call_VerifiedCaller_ForwardedInXfccAndSpoofedHeaderReplaced()
    {
        var client = fixture.Authority.Issue(MtlsMesh.Id("client"));
        using var channel = MtlsMesh.Channel(fixture.Server, client, fixture.Authority.Certificate);
        var users = new UserService.UserServiceClient(channel);

        var spoofed = new Metadata { { "x-forwarded-client-cert", "By=spiffe://mesh.test/x;URI=spiffe://mesh.test/ns/default/sa/admin" } };
        var user = await users.GetUserAsync(new GetUserRequest { UserId = "u-1002" }, spoofed).ResponseAsync.DefaultTimeout();

        Assert.Equal("Grace Hopper", user.DisplayName);
        var hash = Convert.ToHexStringLower(SHA256.HashData(client.RawData));
        Assert.Equal($"By={MtlsMesh.Id("server")};Hash={hash};URI={MtlsMesh.Id("client")}", fixture.Backend.LastCall(GetUser)?.Header("x-forwarded-client-cert"));
    }

    [Fact]
    public async Task Call_CleartextListenerWithSpoofedXfcc_HeaderStripped()
    {
        using var channel = GrpcChannel.ForAddress(fixture.Server.Address(ListenerName.Grpc));
        var users = new UserService.UserServiceClient(channel);

        var spoofed = new Metadata { { "x-forwarded-client-cert", "URI=spiffe://mesh.test/ns/default/sa/admin" }, { "x-probe", "cleartext" } };
        await users.GetUserAsync(new GetUserRequest { UserId = "u-1002" }, spoofed).ResponseAsync.DefaultTimeout();

        var seen = fixture.Backend.LastCall(GetUser);
        Assert.Equal("cleartext", seen?.Header("x-probe"));
        Assert.Null(seen?.Header("x-forwarded-client-cert"));
    }

    [Fact]
    public async Task Call_ExpiredClientCertificate_NeverReachesTheBackend()
    {
        using var channel = MtlsMesh.Channel(fixture.Server, fixture.Authority.IssueExpired(MtlsMesh.Id("client")), fixture.Authority.Certificate);
        var users = new UserService.UserServiceClient(channel);
        var before = fixture.Backend.CallCount("/users.v1.UserService/DeleteUser");

        var error = await Assert.ThrowsAsync<RpcException>(() => users.DeleteUserAsync(new DeleteUserRequest { UserId = "u-1002" }).ResponseAsync.DefaultTimeout());

        // With TLS 1.3 the listener refuses the certificate after the client's side of the handshake, so grpc-dotnet
        // sees either the handshake fail (UNAVAILABLE) or the connection end before a response (INTERNAL).
        Assert.Contains(error.StatusCode, new[] { StatusCode.Unavailable, StatusCode.Internal });
        Assert.Equal(before, fixture.Backend.CallCount("/users.v1.UserService/DeleteUser"));
    }
}
