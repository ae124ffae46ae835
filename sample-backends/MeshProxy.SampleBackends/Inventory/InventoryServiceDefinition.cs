using MeshProxy.Grpc;
using MeshProxy.Grpc.Server;
using MeshProxy.SampleBackends.Faults;
using MeshProxy.Samples.Inventory.V1;

namespace MeshProxy.SampleBackends.Inventory;

/// <summary>inventory.v1.InventoryService over an <see cref="InventoryStore"/>.</summary>
internal static class InventoryServiceDefinition
{
    /// <param name="store">The stock.</param>
    /// <param name="stopping">Fires when the server shuts down, which ends open update streams with UNAVAILABLE.</param>
    public static GrpcServiceDefinition Create(InventoryStore store, CancellationToken stopping) =>
        new GrpcServiceBuilder(InventoryServiceMethods.ServiceName)
            .AddUnary(InventoryServiceMethods.CheckStock, (request, _) => Task.FromResult(store.Check(request.Sku)))
            .AddUnary(InventoryServiceMethods.ReserveStock, (request, _) => Task.FromResult(store.Reserve(request)))
            .AddServerStreaming(
                InventoryServiceMethods.StreamInventoryUpdates,
                FaultingStreams.Wrap<StreamInventoryUpdatesRequest, StockLevel>((request, stream, context) => StreamUpdatesAsync(store, stopping, request, stream, context)))
            .Build();

    private static async Task StreamUpdatesAsync(
        InventoryStore store,
        CancellationToken stopping,
        StreamInventoryUpdatesRequest request,
        IServerStreamWriter<StockLevel> stream,
        ServerCallContext context)
    {
        if (request.MaxUpdates < 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"max_updates must not be negative, was {request.MaxUpdates}."));
        }

        // 1. Subscribe before sending anything, so no change between the snapshot and the first read is lost.
        using var subscription = store.Watch(request.Skus);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, stopping);
        try
        {
            // 2. The current levels, which do not count as updates.
            foreach (var level in subscription.Current)
            {
                await stream.WriteAsync(level, cts.Token).ConfigureAwait(false);
            }

            // 3. Every change, until max_updates were sent or the client goes away.
            var sent = 0;
            while (request.MaxUpdates == 0 || sent < request.MaxUpdates)
            {
                var change = await subscription.Changes.ReadAsync(cts.Token).ConfigureAwait(false);
                await stream.WriteAsync(change, cts.Token).ConfigureAwait(false);
                sent++;
            }
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // A watch normally ends with the client cancelling it.
            context.Status = Status.DefaultCancelled;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "The server is shutting down."));
        }
    }
}
