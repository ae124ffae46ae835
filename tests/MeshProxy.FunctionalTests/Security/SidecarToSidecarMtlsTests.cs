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
/// Two sidecars on loopback, as two pods of a mesh (<see cref="MtlsMeshPair"/>): the caller's application speaks h2c to
/// sidecar A, A speaks mTLS to sidecar B's mTLS listener, B lets only A's identity in and forwards to the sample
/// backend with the caller's identity in x-forwarded-client-cert. With CertificateRotationTests (rotation under load)
/// this is issue 14's "Done when".
/// </summary>
public sealed class SidecarToSidecarMtlsTests : IAsyncLifetime
{
    private const string GetUser = "/users.v1.UserService/GetUser";

    private MtlsMeshPair _mesh = null!;

    // The serving side lets only the frontend in: every call below is also an authorization decision on a verified identity.
    // The probe that must pass gets 30s: its first try opens an mTLS connection from a cold sidecar, which on a busy
    // machine can outlast the 1s default and fail a probe the test expects healthy.
    public async Task InitializeAsync() => _mesh = await MtlsMeshPair.StartAsync("frontend", "users", MtlsMeshPair.AllowOnly(MtlsMesh.Id("frontend")), port => $$"""
          remote-checked:
            destinations: [ { address: "https://127.0.0.1:{{port}}" } ]
            tls: { trustDomain: {{MtlsMesh.TrustDomain}} }
            healthCheck: { grpc: { }, interval: 1s, timeout: 30s, unhealthyThreshold: 1 }
          impostor:
            destinations: [ { address: "https://127.0.0.1:{{port}}" } ]
            tls: { spiffeId: "{{MtlsMesh.Id("payments")}}" }
            healthCheck: { grpc: { }, interval: 1s, unhealthyThreshold: 1 }
        """).DefaultTimeout();

    public async Task DisposeAsync() => await _mesh.DisposeAsync();

    [Fact]
    public async Task Unary_ThroughBothSidecars_ReachesBackendWithCallerIdentity()
    {
        using var channel = GrpcChannel.ForAddress(_mesh.ClientSide.Address(ListenerName.Grpc));
        var users = new UserService.UserServiceClient(channel);

        // The application's own claim is dropped at A; B writes what A's certificate proves.
        var spoofed = new Metadata { { "x-forwarded-client-cert", $"URI={MtlsMesh.Id("admin")}" } };
        var user = await users.GetUserAsync(new GetUserRequest { UserId = "u-1002" }, spoofed).ResponseAsync.DefaultTimeout();

        Assert.Equal("Grace Hopper", user.DisplayName);
        var hash = Convert.ToHexStringLower(SHA256.HashData(_mesh.Caller.Certificate.RawData));
        Assert.Equal($"By={MtlsMesh.Id("users")};Hash={hash};URI={MtlsMesh.Id("frontend")}", _mesh.Backend.LastCall(GetUser)?.Header("x-forwarded-client-cert"));
        Assert.Empty(_mesh.Logs.Errors);
    }

    [Fact]
    public async Task Unary_CallerSidecarOfAnotherIdentity_PermissionDeniedNamingThePolicy()
    {
        // A third pod of the same mesh: its certificate chains to the bundle, but the serving side's policy does not list it.
        using var batchFiles = new WorkloadFiles(_mesh.Authority, MtlsMesh.Id("batch"));
        await using var batch = await MtlsMesh.StartClientSideAsync(batchFiles, _mesh.ServerMtlsPort, MtlsMesh.Id("users"), _mesh.Logs).DefaultTimeout();
        using var channel = GrpcChannel.ForAddress(batch.Address(ListenerName.Grpc));
        var users = new UserService.UserServiceClient(channel);
        var before = _mesh.Backend.CallCount(GetUser);

        var error = await Assert.ThrowsAsync<RpcException>(() => users.GetUserAsync(new GetUserRequest { UserId = "u-1002" }).ResponseAsync.DefaultTimeout());

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Equal("no ALLOW authorization policy matches this call", error.Status.Detail);
        Assert.Equal(before, _mesh.Backend.CallCount(GetUser));
        Assert.Empty(_mesh.Logs.Errors);
    }

    [Fact]
    public async Task ServerStream_ThroughBothSidecars_ArrivesInOrder()
    {
        using var channel = GrpcChannel.ForAddress(_mesh.ClientSide.Address(ListenerName.Grpc));
        var users = new UserService.UserServiceClient(channel);

        using var call = users.ListUsers(new ListUsersRequest { Plan = Plan.Pro });
        var listed = await GrpcAssert.ReadAllAsync(call.ResponseStream);

        Assert.Equal(["u-1002", "u-1004"], listed.Select(u => u.UserId));
    }

    [Fact]
    public async Task HealthProbes_OverMtls_HealthyForTheRightIdentityUnhealthyForAnother()
    {
        var health = _mesh.ClientSide.Services.GetRequiredService<HealthCheckService>();
        var clusters = _mesh.ClientSide.Services.GetRequiredService<MeshProxy.Routing.ProxySnapshotProvider>().Clusters;

        // LastRound is a completed task until the timer starts the first round: run rounds until each has a verdict.
        var remote = await VerdictAsync(health.Checker("remote-checked")!, clusters["remote-checked"].Destinations[0]).DefaultTimeout();
        var impostor = await VerdictAsync(health.Checker("impostor")!, clusters["impostor"].Destinations[0]).DefaultTimeout();

        Assert.Equal(DestinationHealth.Healthy, remote);
        Assert.Equal(DestinationHealth.Unhealthy, impostor);
    }

    [Fact]
    public async Task Unary_ServerWithUnexpectedIdentity_Unavailable()
    {
        await using var wrong = await MtlsMesh.StartClientSideAsync(_mesh.Caller, _mesh.ServerSide.EndPoint(ListenerName.Mtls).Port, MtlsMesh.Id("payments"), _mesh.Logs).DefaultTimeout();
        using var channel = GrpcChannel.ForAddress(wrong.Address(ListenerName.Grpc));
        var users = new UserService.UserServiceClient(channel);

        var error = await Assert.ThrowsAsync<RpcException>(() => users.GetUserAsync(new GetUserRequest { UserId = "u-1002" }).ResponseAsync.DefaultTimeout());

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal(0, _mesh.Backend.CallCount(GetUser));
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
