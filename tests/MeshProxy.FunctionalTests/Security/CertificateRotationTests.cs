using System.Globalization;
using System.Security.Cryptography;
using Grpc.Core;
using Grpc.Net.Client;
using MeshProxy.Hosting;
using MeshProxy.SampleBackends;
using MeshProxy.Samples.Inventory.V1;
using MeshProxy.Samples.Users.V1;
using MeshProxy.Security;
using MeshProxy.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace MeshProxy.FunctionalTests.Security;

/// <summary>
/// Certificates rotated on disk while two sidecars talk mTLS: the serving side's in a Kubernetes volume (a <c>..data</c>
/// symlink swap), the calling side's by file renames (as spiffe-helper writes). No restart, no lost call.
/// </summary>
public sealed class CertificateRotationTests : IAsyncLifetime
{
    private const string GetUser = "/users.v1.UserService/GetUser";

    private MtlsMeshPair _mesh = null!;

    // Rotations happen with the serving side's policy in force: the rotated caller keeps being recognised.
    public async Task InitializeAsync() => _mesh = await MtlsMeshPair.StartAsync("frontend", "inventory", MtlsMeshPair.AllowOnly(MtlsMesh.Id("frontend"))).DefaultTimeout();

    public async Task DisposeAsync() => await _mesh.DisposeAsync();

    [Fact]
    public async Task Rotation_LiveStreamStaysUpAndNewHandshakesGetTheNewCertificate()
    {
        using var channel = GrpcChannel.ForAddress(_mesh.ClientSide.Address(ListenerName.Grpc));
        var inventory = new InventoryService.InventoryServiceClient(channel);
        using var stream = inventory.StreamInventoryUpdates(new StreamInventoryUpdatesRequest { Skus = { "sku-banana" }, MaxUpdates = 1 });
        Assert.True(await stream.ResponseStream.MoveNext().DefaultTimeout());
        Assert.Equal("sku-banana", stream.ResponseStream.Current.Sku);

        var next = await RotateAsync(_mesh.Server, _mesh.ServerSide);

        // A new handshake is served with the new certificate, and the metric says when it expires.
        var handshake = await MtlsMesh.HandshakeAsync(_mesh.ServerSide.EndPoint(ListenerName.Mtls), _mesh.Authority.Issue(MtlsMesh.Id("probe")), _mesh.Authority.Certificate);
        Assert.True(handshake.Accepted, handshake.Error);
        Assert.Equal(next.Thumbprint, handshake.ServerCertificate!.Thumbprint);
        var metrics = await ScrapeAsync(_mesh.ServerSide);
        Assert.Contains(
            $"meshproxy_certificate_expiry_timestamp_seconds{{certificate=\"workload\",spiffe_id=\"{MtlsMesh.Id("inventory")}\"}} {new DateTimeOffset(next.NotAfter.ToUniversalTime()).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}",
            metrics,
            StringComparison.Ordinal);

        // The stream opened before the rotation still carries messages, and ends with OK.
        await inventory.ReserveStockAsync(new ReserveStockRequest { Sku = "sku-banana", Quantity = 1, OrderId = "o-rotation" }).ResponseAsync.DefaultTimeout();
        Assert.True(await stream.ResponseStream.MoveNext().DefaultTimeout());
        Assert.False(await stream.ResponseStream.MoveNext().DefaultTimeout());
        Assert.Equal(StatusCode.OK, stream.GetStatus().StatusCode);
        Assert.Empty(_mesh.Logs.Errors);
    }

    [Fact]
    public async Task Rotation_UnderLoad_NoCallLostAndTheCallerPresentsItsNewCertificate()
    {
        using var channel = GrpcChannel.ForAddress(_mesh.ClientSide.Address(ListenerName.Grpc));
        var users = new UserService.UserServiceClient(channel);
        using var stop = new CancellationTokenSource();
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var calls = 0;
        var loops = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await users.GetUserAsync(new GetUserRequest { UserId = "u-1002" }).ResponseAsync.DefaultTimeout();
                    Interlocked.Increment(ref calls);
                }
                catch (RpcException ex)
                {
                    failures.Enqueue(ex.Status.ToString());
                }
            }
        })).ToArray();

        // Both sides rotate, in turn, while the calls run; each waits until the sidecar has taken the new files.
        for (var round = 0; round < 3; round++)
        {
            await RotateAsync(_mesh.Server, _mesh.ServerSide);
            await RotateAsync(_mesh.Caller, _mesh.ClientSide);

            // Calls made once both sides run on the new certificates.
            var before = Volatile.Read(ref calls);
            await WaitForCallsAsync(() => Volatile.Read(ref calls) > before + 20);
        }

        stop.Cancel();
        await Task.WhenAll(loops).DefaultTimeout();

        Assert.Empty(failures);
        var hash = Convert.ToHexStringLower(SHA256.HashData(_mesh.Caller.Certificate.RawData));
        Assert.Contains($"Hash={hash};", _mesh.Backend.LastCall(GetUser)?.Header("x-forwarded-client-cert"), StringComparison.Ordinal);
    }

    /// <summary>Writes a new certificate for the workload and waits until the sidecar has swapped it in.</summary>
    private static async Task<System.Security.Cryptography.X509Certificates.X509Certificate2> RotateAsync(WorkloadFiles files, MeshProxyServer sidecar)
    {
        var identity = sidecar.Services.GetRequiredService<WorkloadIdentity>();
        var rotated = new TaskCompletionSource<WorkloadCredentials>(TaskCreationOptions.RunContinuationsAsynchronously);
        identity.Rotated += OnRotated;
        try
        {
            var next = files.Rotate();
            while (true)
            {
                var credentials = await rotated.Task.DefaultTimeout();
                if (credentials.Certificate.Thumbprint == next.Thumbprint)
                {
                    return next;
                }

                rotated = new TaskCompletionSource<WorkloadCredentials>(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
        finally
        {
            identity.Rotated -= OnRotated;
        }

        void OnRotated(WorkloadCredentials credentials) => rotated.TrySetResult(credentials);
    }

    private static async Task WaitForCallsAsync(Func<bool> done)
    {
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        await Task.Run(async () =>
        {
            while (!done())
            {
                await poll.WaitForNextTickAsync();
            }
        }).DefaultTimeout();
    }

    private static async Task<string> ScrapeAsync(MeshProxyServer sidecar)
    {
        using var http = new HttpClient();
        return await http.GetStringAsync(new Uri(sidecar.Address(ListenerName.Ops), "/metrics")).DefaultTimeout();
    }
}
