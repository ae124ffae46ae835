using Grpc.Core;
using MeshProxy.Samples.Inventory.V1;

namespace MeshProxy.FunctionalTests.Transcoding.Oracle.Services;

/// <summary>inventory.v1.InventoryService without state (levels derived from the SKU).</summary>
internal sealed class InventoryOracleService : InventoryService.InventoryServiceBase
{
    public override Task<StockLevel> CheckStock(CheckStockRequest request, ServerCallContext context)
    {
        OracleEcho.ThrowIfAsked(request.Sku);
        return Task.FromResult(Level(request.Sku));
    }

    public override Task<Reservation> ReserveStock(ReserveStockRequest request, ServerCallContext context)
    {
        if (request.Quantity < 1)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "quantity must be at least 1"));
        }

        var hold = request.Hold?.ToTimeSpan() ?? TimeSpan.FromMinutes(15);
        return Task.FromResult(new Reservation
        {
            ReservationId = "r-" + request.OrderId,
            Sku = request.Sku,
            Quantity = request.Quantity,
            ExpireTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(UsersOracleService.Epoch.ToDateTime() + hold),
        });
    }

    public override async Task StreamInventoryUpdates(StreamInventoryUpdatesRequest request, IServerStreamWriter<StockLevel> responseStream, ServerCallContext context)
    {
        var max = request.MaxUpdates == 0 ? int.MaxValue : request.MaxUpdates;
        foreach (var sku in request.Skus.Take(max))
        {
            OracleEcho.ThrowIfAsked(sku);
            await responseStream.WriteAsync(Level(sku));
        }
    }

    private static StockLevel Level(string sku) => new() { Sku = sku, Available = sku.Length * 10, Reserved = 1, UpdateTime = UsersOracleService.Epoch };
}
