using Grpc.Core;
using Grpc.Health.V1;
using MeshProxy.SampleBackends;
using MeshProxy.TestSupport;
using Xunit.Abstractions;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace MeshProxy.FunctionalTests.SampleBackends;

public sealed class HealthTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("")]
    [InlineData("users.v1.UserService")]
    [InlineData("inventory.v1.InventoryService")]
    [InlineData("payments.v1.PaymentService")]
    public async Task Check_EveryService_Serving(string service)
    {
        await using var backend = await TestBackend.StartAsync(output);

        Assert.Equal(ServingStatus.Serving, await CheckAsync(backend, service));
    }

    [Fact]
    public async Task Check_UnknownService_NotFound()
    {
        await using var backend = await TestBackend.StartAsync(output);

        await GrpcAssert.FailsWith(StatusCode.NotFound, () => CheckAsync(backend, "nope.v1.Nothing"));
    }

    [Fact]
    public async Task Check_StartedNotServing_ReportsItPerService()
    {
        await using var backend = await TestBackend.StartAsync(output, new SampleBackendOptions
        {
            Health = new Dictionary<string, ServingStatus> { ["payments.v1.PaymentService"] = ServingStatus.NotServing },
        });

        Assert.Equal(ServingStatus.NotServing, await CheckAsync(backend, "payments.v1.PaymentService"));
        Assert.Equal(ServingStatus.Serving, await CheckAsync(backend, "users.v1.UserService"));
    }

    [Fact]
    public async Task Watch_StatusSetAtRunTime_StreamsTheChange()
    {
        await using var backend = await TestBackend.StartAsync(output);
        using var cts = new CancellationTokenSource();
        using var watch = backend.Health.Watch(new HealthCheckRequest { Service = "" }, cancellationToken: cts.Token);

        Assert.True(await watch.ResponseStream.MoveNext().DefaultTimeout());
        Assert.Equal(ServingStatus.Serving, watch.ResponseStream.Current.Status);
        backend.Handle.Health.SetStatus("", ServingStatus.NotServing);
        Assert.True(await watch.ResponseStream.MoveNext().DefaultTimeout());

        Assert.Equal(ServingStatus.NotServing, watch.ResponseStream.Current.Status);
        Assert.Equal(ServingStatus.NotServing, await CheckAsync(backend, ""));
        await cts.CancelAsync();
    }

    private static async Task<ServingStatus> CheckAsync(TestBackend backend, string service) =>
        (await backend.Health.CheckAsync(new HealthCheckRequest { Service = service }).ResponseAsync.DefaultTimeout()).Status;
}
