using Grpc.Core;
using MeshProxy.Samples.Inventory.V1;
using Microsoft.Extensions.Hosting;

namespace MeshProxy.SampleBackends.Inventory;

/// <summary>
/// inventory.v1.InventoryService over the <see cref="InventoryStore"/>. A server shutting down ends open update streams
/// with UNAVAILABLE, so watchers reconnect elsewhere instead of waiting for the host to abort them.
/// </summary>
internal sealed class InventoryServiceImpl(InventoryStore store, IHostApplicationLifetime lifetime) : InventoryService.InventoryServiceBase
{
    public override Task<StockLevel> CheckStock(CheckStockRequest request, ServerCallContext context) =>
        Task.FromResult(store.Check(request.Sku));

    public override Task<Reservation> ReserveStock(ReserveStockRequest request, ServerCallContext context) =>
        Task.FromResult(store.Reserve(request));

    public override async Task StreamInventoryUpdates(StreamInventoryUpdatesRequest request, IServerStreamWriter<StockLevel> responseStream, ServerCallContext context)
    {
        if (request.MaxUpdates < 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"max_updates must not be negative, was {request.MaxUpdates}."));
        }

        // 1. Subscribe before sending anything, so no change between the snapshot and the first read is lost.
        var stopping = lifetime.ApplicationStopping;
        using var subscription = store.Watch(request.Skus);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, stopping);
        try
        {
            // 2. The current levels, which do not count as updates.
            foreach (var level in subscription.Current)
            {
                await responseStream.WriteAsync(level, cts.Token).ConfigureAwait(false);
            }

            // 3. Every change, until max_updates were sent or the client goes away.
            var sent = 0;
            while (request.MaxUpdates == 0 || sent < request.MaxUpdates)
            {
                var change = await subscription.Changes.ReadAsync(cts.Token).ConfigureAwait(false);
                await responseStream.WriteAsync(change, cts.Token).ConfigureAwait(false);
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
