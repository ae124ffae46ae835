using MeshProxy.Grpc;
using MeshProxy.Samples.Inventory.V1;

namespace MeshProxy.SampleBackends.Inventory;

/// <summary>The methods of inventory.v1.InventoryService.</summary>
internal static class InventoryServiceMethods
{
    public const string ServiceName = "inventory.v1.InventoryService";

    public static readonly Method<CheckStockRequest, StockLevel> CheckStock =
        new(MethodType.Unary, ServiceName, "CheckStock", CheckStockRequest.Parser, StockLevel.Parser);

    public static readonly Method<ReserveStockRequest, Reservation> ReserveStock =
        new(MethodType.Unary, ServiceName, "ReserveStock", ReserveStockRequest.Parser, Reservation.Parser);

    public static readonly Method<StreamInventoryUpdatesRequest, StockLevel> StreamInventoryUpdates =
        new(MethodType.ServerStreaming, ServiceName, "StreamInventoryUpdates", StreamInventoryUpdatesRequest.Parser, StockLevel.Parser);
}
