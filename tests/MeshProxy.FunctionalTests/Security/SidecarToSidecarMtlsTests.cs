using System.Security.Cryptography;
using Grpc.Core;
using Grpc.Net.Client;
using MeshProxy.FunctionalTests.SampleBackends;
using MeshProxy.Hosting;
using MeshProxy.SampleBackends;
using MeshProxy.Samples.Inventory.V1;
using MeshProxy.Samples.Users.V1;
using MeshProxy.TestSupport;
using MeshProxy.TrafficPolicy;
using MeshProxy.TrafficPolicy.Health;
using Microsoft.Extensions.DependencyInjection;

namespace MeshProxy.FunctionalTests.Security;

/// <summary>
/// Two sidecars on loopback, as two pods of a mesh: the caller's application speaks h2c to sidecar A, A speaks mTLS to
/// sidecar B's mTLS listener, B forwards to the sample backend with the caller's identity in x-forwarded-client-cert.
/// </summary>
public sealed class SidecarToSidecarMtlsTests : IAsyncLifetime
{
    private const string GetUser = "/users.v1.UserService/GetUser";

    private readonly XunitLoggerProvider _logs = new(output: null);
    private readonly TestCertificateAuthority _ca = TestCertificateAuthority.Create();
    private WorkloadFiles _a = null!;
    private WorkloadFiles _b = null!;
    private SampleBackendHandle _backend = null!;
    private MeshProxyServer _serverSide = null!;
    private MeshProxyServer _clientSide = null!;

    public async Task InitializeAsync()
    {
        _a = new WorkloadFiles(_ca, MtlsMesh.Id("frontend"));
        _b = new WorkloadFiles(_ca, MtlsMesh.Id("users"), kubernetes: true);
        _backend = await SampleBackend.StartAsync(new SampleBackendOptions { Port = 0, Address = "127.0.0.1", Version = "v1" }, _logs).DefaultTimeout();
        _serverSide = await MtlsMesh.StartServerSideAsync(_b, _backend.Port, _logs).DefaultTimeout();
        _clientSide = await MtlsMesh.StartClientSideAsync(_a, _serverSide.EndPoint(ListenerName.Mtls).Port, MtlsMesh.Id("users"), _logs, clusterExtra: $$"""
              remote-checked:
                destinations: [ { address: "https://127.0.0.1:{{_serverSide.EndPoint(ListenerName.Mtls).Port}}" } ]
                tls: { trustDomain: {{MtlsMesh.TrustDomain}} }
                healthCheck: { grpc: { }, interval: 1s, unhealthyThreshold: 1 }
              impostor:
                destinations: [ { address: "https://127.0.0.1:{{_serverSide.EndPoint(ListenerName.Mtls).Port}}" } ]
                tls: { spiffeId: "{{MtlsMesh.Id("payments")}}" }
                healthCheck: { grpc: { }, interval: 1s, unhealthyThreshold: 1 }
            """).DefaultTimeout();
    }

    public async Task DisposeAsync()
    {
        await _clientSide.DisposeAsync();
        await _serverSide.DisposeAsync();
        await _backend.DisposeAsync();
        _a.Dispose();
        _b.Dispose();
    }

    [Fact]
    public async Task Unary_ThroughBothSidecars_ReachesBackendWithCallerIdentity()
    {
        using var channel = GrpcChannel.ForAddress(_clientSide.Address(ListenerName.Grpc));
        var users = new UserService.UserServiceClient(channel);

        // The application's own claim is dropped at A; B writes what A's certificate proves.
        var spoofed = new Metadata { { "x-forwarded-client-cert", $"URI={MtlsMesh.Id("admin")}" } };
        var user = await users.GetUserAsync(new GetUserRequest { UserId = "u-1002" }, spoofed).ResponseAsync.DefaultTimeout();

        Assert.Equal("Grace Hopper", user.DisplayName);
        var hash = Convert.ToHexStringLower(SHA256.HashData(_a.Certificate.RawData));
        Assert.Equal($"By={MtlsMesh.Id("users")};Hash={hash};URI={MtlsMesh.Id("frontend")}", _backend.LastCall(GetUser)?.Header("x-forwarded-client-cert"));
        Assert.Empty(_logs.Errors);
    }

    [Fact]
    public async Task ServerStream_ThroughBothSidecars_ArrivesInOrder()
    {
        using var channel = GrpcChannel.ForAddress(_clientSide.Address(ListenerName.Grpc));
        var users = new UserService.UserServiceClient(channel);

        using var call = users.ListUsers(new ListUsersRequest { Plan = Plan.Pro });
        var listed = await GrpcAssert.ReadAllAsync(call.ResponseStream);

        Assert.Equal(["u-1002", "u-1004"], listed.Select(u => u.UserId));
    }

    [Fact]
    public async Task HealthProbes_OverMtls_HealthyForTheRightIdentityUnhealthyForAnother()
    {
        var health = _clientSide.Services.GetRequiredService<HealthCheckService>();
        var clusters = _clientSide.Services.GetRequiredService<MeshProxy.Routing.ProxySnapshotProvider>().Clusters;

        // LastRound is a completed task until the timer starts the first round: run rounds until each has a verdict.
        var remote = await VerdictAsync(health.Checker("remote-checked")!, clusters["remote-checked"].Destinations[0]).DefaultTimeout();
        var impostor = await VerdictAsync(health.Checker("impostor")!, clusters["impostor"].Destinations[0]).DefaultTimeout();

        Assert.Equal(DestinationHealth.Healthy, remote);
        Assert.Equal(DestinationHealth.Unhealthy, impostor);
    }

    [Fact]
    public async Task Unary_ServerWithUnexpectedIdentity_Unavailable()
    {
        await using var wrong = await MtlsMesh.StartClientSideAsync(_a, _serverSide.EndPoint(ListenerName.Mtls).Port, MtlsMesh.Id("payments"), _logs).DefaultTimeout();
        using var channel = GrpcChannel.ForAddress(wrong.Address(ListenerName.Grpc));
        var users = new UserService.UserServiceClient(channel);

        var error = await Assert.ThrowsAsync<RpcException>(() => users.GetUserAsync(new GetUserRequest { UserId = "u-1002" }).ResponseAsync.DefaultTimeout());

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal(0, _backend.CallCount(GetUser));
    }

    private static async Task<DestinationHealth> VerdictAsync(ClusterHealthChecker checker, DestinationState destination)
    {
        while (destination.Health == DestinationHealth.Unknown)
        {
            await checker.StartRound();
        }

        return destination.Health;
    }
}
