using Grpc.Health.V1;
using Grpc.Net.Client;
using MeshProxy.SampleBackends;
using MeshProxy.Samples.Inventory.V1;
using MeshProxy.Samples.Payments.V1;
using MeshProxy.Samples.Users.V1;
using MeshProxy.TestSupport;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests.SampleBackends;

/// <summary>
/// A sample backend started in-process on 127.0.0.1 port 0, with a Grpc.Net.Client channel and the generated clients
/// of its services; an error log fails the test.
/// </summary>
internal sealed class TestBackend : IAsyncDisposable
{
    private readonly XunitLoggerProvider _logs;

    private TestBackend(SampleBackendHandle handle, XunitLoggerProvider logs)
    {
        Handle = handle;
        _logs = logs;
        Channel = GrpcChannel.ForAddress(handle.Address);
        Users = new UserService.UserServiceClient(Channel);
        Inventory = new InventoryService.InventoryServiceClient(Channel);
        Payments = new PaymentService.PaymentServiceClient(Channel);
        Health = new Health.HealthClient(Channel);
    }

    public SampleBackendHandle Handle { get; }

    public GrpcChannel Channel { get; }

    public UserService.UserServiceClient Users { get; }

    public InventoryService.InventoryServiceClient Inventory { get; }

    public PaymentService.PaymentServiceClient Payments { get; }

    public Health.HealthClient Health { get; }

    public static async Task<TestBackend> StartAsync(ITestOutputHelper output, SampleBackendOptions? options = null)
    {
        var logs = new XunitLoggerProvider(output);
        options = (options ?? new SampleBackendOptions()) with { Port = 0, Address = "127.0.0.1" };
        var handle = await SampleBackend.StartAsync(options, logs).DefaultTimeout();
        return new TestBackend(handle, logs);
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await Handle.DisposeAsync().AsTask().DefaultTimeout();
        Assert.Empty(_logs.Errors);
    }
}
