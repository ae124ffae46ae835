using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using MeshProxy.SampleBackends;
using MeshProxy.Samples.Inventory.V1;
using MeshProxy.TestSupport;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests.SampleBackends;

public sealed class InventoryServiceTests(ITestOutputHelper output)
{
    private static readonly DateTimeOffset Start = new(2026, 3, 4, 5, 6, 7, TimeSpan.Zero);

    [Fact]
    public async Task CheckStock_SeededSku_ReturnsLevel()
    {
        await using var backend = await TestBackend.StartAsync(output);

        var level = await CheckAsync(backend, "sku-apple");

        Assert.Equal("sku-apple", level.Sku);
        Assert.True(level.Available > 0);
        Assert.Equal(0, level.Reserved);
    }

    [Fact]
    public async Task CheckStock_UnknownSku_NotFound()
    {
        await using var backend = await TestBackend.StartAsync(output);

        await GrpcAssert.FailsWith(StatusCode.NotFound, () => CheckAsync(backend, "sku-unobtainium"));
    }

    [Fact]
    public async Task ReserveStock_Available_MovesStockAndHoldsFifteenMinutes()
    {
        var clock = new FakeTimeProvider(Start);
        await using var backend = await TestBackend.StartAsync(output, new SampleBackendOptions { TimeProvider = clock });
        var before = await CheckAsync(backend, "sku-banana");

        var reservation = await ReserveAsync(backend, new ReserveStockRequest { Sku = "sku-banana", Quantity = 3, OrderId = "o-1" });
        var after = await CheckAsync(backend, "sku-banana");

        Assert.Equal(3, reservation.Quantity);
        Assert.False(string.IsNullOrEmpty(reservation.ReservationId));
        Assert.Equal(Start.AddMinutes(15), reservation.ExpireTime.ToDateTimeOffset());
        Assert.Equal(before.Available - 3, after.Available);
        Assert.Equal(before.Reserved + 3, after.Reserved);
    }

    [Fact]
    public async Task ReserveStock_GivenHold_ExpiresAfterIt()
    {
        var clock = new FakeTimeProvider(Start);
        await using var backend = await TestBackend.StartAsync(output, new SampleBackendOptions { TimeProvider = clock });

        var reservation = await ReserveAsync(backend, new ReserveStockRequest { Sku = "sku-apple", Quantity = 1, Hold = Duration.FromTimeSpan(TimeSpan.FromSeconds(90)) });

        Assert.Equal(Start.AddSeconds(90), reservation.ExpireTime.ToDateTimeOffset());
    }

    [Fact]
    public async Task ReserveStock_MoreThanAvailable_FailedPreconditionAndStockUnchanged()
    {
        await using var backend = await TestBackend.StartAsync(output);
        var before = await CheckAsync(backend, "sku-cherry");

        var ex = await GrpcAssert.FailsWith(StatusCode.FailedPrecondition, () => ReserveAsync(backend, new ReserveStockRequest { Sku = "sku-cherry", Quantity = before.Available + 1 }));

        Assert.Contains("available", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(before, await CheckAsync(backend, "sku-cherry"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-4)]
    public async Task ReserveStock_QuantityBelowOne_InvalidArgument(int quantity)
    {
        await using var backend = await TestBackend.StartAsync(output);

        await GrpcAssert.FailsWith(StatusCode.InvalidArgument, () => ReserveAsync(backend, new ReserveStockRequest { Sku = "sku-apple", Quantity = quantity }));
    }

    [Fact]
    public async Task ReserveStock_UnknownSku_NotFound()
    {
        await using var backend = await TestBackend.StartAsync(output);

        await GrpcAssert.FailsWith(StatusCode.NotFound, () => ReserveAsync(backend, new ReserveStockRequest { Sku = "sku-none", Quantity = 1 }));
    }

    [Fact]
    public async Task StreamInventoryUpdates_MaxUpdates_CurrentLevelsThenChangesThenEnds()
    {
        await using var backend = await TestBackend.StartAsync(output);
        using var call = backend.Inventory.StreamInventoryUpdates(new StreamInventoryUpdatesRequest { Skus = { "sku-banana", "sku-apple" }, MaxUpdates = 2 });

        Assert.True(await call.ResponseStream.MoveNext().DefaultTimeout());
        var banana = call.ResponseStream.Current;
        Assert.True(await call.ResponseStream.MoveNext().DefaultTimeout());
        var apple = call.ResponseStream.Current;

        // The levels arrived, so the watch is subscribed: these changes must reach it, the cherry one must not.
        await ReserveAsync(backend, new ReserveStockRequest { Sku = "sku-cherry", Quantity = 1 });
        await ReserveAsync(backend, new ReserveStockRequest { Sku = "sku-apple", Quantity = 2 });
        await ReserveAsync(backend, new ReserveStockRequest { Sku = "sku-banana", Quantity = 1 });
        await ReserveAsync(backend, new ReserveStockRequest { Sku = "sku-apple", Quantity = 1 });
        var changes = await GrpcAssert.ReadAllAsync(call.ResponseStream);

        Assert.Equal(("sku-banana", "sku-apple"), (banana.Sku, apple.Sku));
        Assert.Equal(2, changes.Count);
        Assert.Equal(("sku-apple", apple.Available - 2, 2), (changes[0].Sku, changes[0].Available, changes[0].Reserved));
        Assert.Equal(("sku-banana", banana.Available - 1, 1), (changes[1].Sku, changes[1].Available, changes[1].Reserved));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task StreamInventoryUpdates_NoMax_RunsUntilClientCancels()
    {
        await using var backend = await TestBackend.StartAsync(output);
        using var cts = new CancellationTokenSource();
        using var call = backend.Inventory.StreamInventoryUpdates(new StreamInventoryUpdatesRequest(), new CallOptions(cancellationToken: cts.Token));

        var levels = new List<StockLevel>();
        for (var i = 0; i < 4; i++)
        {
            Assert.True(await call.ResponseStream.MoveNext().DefaultTimeout());
            levels.Add(call.ResponseStream.Current);
        }

        // A failed reservation changes nothing and publishes nothing.
        await GrpcAssert.FailsWith(StatusCode.FailedPrecondition, () => ReserveAsync(backend, new ReserveStockRequest { Sku = "sku-durian", Quantity = 1 }));
        await ReserveAsync(backend, new ReserveStockRequest { Sku = "sku-cherry", Quantity = 5 });
        Assert.True(await call.ResponseStream.MoveNext().DefaultTimeout());
        var change = call.ResponseStream.Current;
        var next = call.ResponseStream.MoveNext();
        await cts.CancelAsync();

        Assert.Equal(["sku-apple", "sku-banana", "sku-cherry", "sku-durian"], levels.Select(l => l.Sku));
        Assert.Equal(("sku-cherry", 0, 5), (change.Sku, change.Available, change.Reserved));
        await GrpcAssert.FailsWith(StatusCode.Cancelled, () => next);
    }

    [Fact]
    public async Task StreamInventoryUpdates_BackendStops_StreamEndsUnavailable()
    {
        var backend = await TestBackend.StartAsync(output);
        await using (backend)
        {
            using var call = backend.Inventory.StreamInventoryUpdates(new StreamInventoryUpdatesRequest { Skus = { "sku-apple" } });
            Assert.True(await call.ResponseStream.MoveNext().DefaultTimeout());

            var stopping = backend.Handle.DisposeAsync().AsTask();

            await GrpcAssert.FailsWith(StatusCode.Unavailable, () => call.ResponseStream.MoveNext());
            await stopping.DefaultTimeout();
        }
    }

    [Theory]
    [InlineData("sku-missing", 0, StatusCode.NotFound)]
    [InlineData("sku-apple", -1, StatusCode.InvalidArgument)]
    public async Task StreamInventoryUpdates_BadRequest_Fails(string sku, int maxUpdates, StatusCode expected)
    {
        await using var backend = await TestBackend.StartAsync(output);

        using var call = backend.Inventory.StreamInventoryUpdates(new StreamInventoryUpdatesRequest { Skus = { sku }, MaxUpdates = maxUpdates });
        await GrpcAssert.FailsWith(expected, () => call.ResponseStream.MoveNext());
    }

    private static Task<StockLevel> CheckAsync(TestBackend backend, string sku) =>
        backend.Inventory.CheckStockAsync(new CheckStockRequest { Sku = sku }).ResponseAsync.DefaultTimeout();

    private static Task<Reservation> ReserveAsync(TestBackend backend, ReserveStockRequest request) =>
        backend.Inventory.ReserveStockAsync(request).ResponseAsync.DefaultTimeout();
}
