using Grpc.Core;
using MeshProxy.Samples.Payments.V1;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.Infrastructure;

/// <summary>The client stream the BatchCharge tests send: 2 EUR charges, the second one declined (tok_declined).</summary>
internal static class BatchCharges
{
    /// <summary>Writes <paramref name="count"/> charges with fresh idempotency keys, then completes the stream.</summary>
    public static async Task WriteAsync(IClientStreamWriter<ChargeCardRequest> stream, int count)
    {
        var key = Guid.NewGuid().ToString("N");
        for (var i = 0; i < count; i++)
        {
            await stream.WriteAsync(new ChargeCardRequest
            {
                IdempotencyKey = $"{key}-{i}",
                AccountId = "acct-1003",
                Amount = new Money { CurrencyCode = "EUR", Units = 2 },
                CardToken = i == 1 ? "tok_declined" : "tok_visa",
            }).DefaultTimeout();
        }

        await stream.CompleteAsync().DefaultTimeout();
    }
}
