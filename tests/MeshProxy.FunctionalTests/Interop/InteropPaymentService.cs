using Grpc.Core;
using MeshProxy.Samples.Payments.V1;

namespace MeshProxy.FunctionalTests.Interop;

/// <summary>payments.v1.PaymentService.BatchCharge on grpc-dotnet, as tests/node/interop/server.js answers it.</summary>
public sealed class InteropPaymentService : PaymentService.PaymentServiceBase
{
    public override async Task<BatchChargeSummary> BatchCharge(IAsyncStreamReader<ChargeCardRequest> requestStream, ServerCallContext context)
    {
        var summary = new BatchChargeSummary { Total = new Money { CurrencyCode = "EUR" } };
        await foreach (var charge in requestStream.ReadAllAsync(context.CancellationToken))
        {
            summary.Succeeded++;
            summary.ChargeIds.Add(charge.IdempotencyKey);
            summary.Total.Units += charge.Amount?.Units ?? 0;
        }

        return summary;
    }
}
