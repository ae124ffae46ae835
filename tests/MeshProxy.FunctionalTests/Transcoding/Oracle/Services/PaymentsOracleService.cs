using Grpc.Core;
using MeshProxy.Samples.Payments.V1;

namespace MeshProxy.FunctionalTests.Transcoding.Oracle.Services;

/// <summary>payments.v1.PaymentService without state (a charge is derived from its request).</summary>
internal sealed class PaymentsOracleService : PaymentService.PaymentServiceBase
{
    public override Task<Charge> ChargeCard(ChargeCardRequest request, ServerCallContext context)
    {
        OracleEcho.ThrowIfAsked(request.Description);
        return Task.FromResult(ChargeFor(request));
    }

    public override async Task StreamTransactions(StreamTransactionsRequest request, IServerStreamWriter<Transaction> responseStream, ServerCallContext context)
    {
        OracleEcho.ThrowIfAsked(request.AccountId);
        var limit = request.Limit == 0 ? 2 : request.Limit;
        for (var i = 0; i < limit; i++)
        {
            await responseStream.WriteAsync(new Transaction
            {
                TransactionId = $"t-{i}",
                AccountId = request.AccountId,
                Amount = new Money { CurrencyCode = "EUR", Units = 10 + i, Nanos = 500_000_000 },
                Time = UsersOracleService.Epoch,
                Description = $"transaction {i}",
            });
        }
    }

    public override async Task<BatchChargeSummary> BatchCharge(IAsyncStreamReader<ChargeCardRequest> requestStream, ServerCallContext context)
    {
        var summary = new BatchChargeSummary { Total = new Money { CurrencyCode = "EUR" } };
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
        {
            summary.Succeeded++;
            summary.Total.Units += request.Amount?.Units ?? 0;
            summary.ChargeIds.Add(ChargeFor(request).ChargeId);
        }

        return summary;
    }

    public override async Task PaymentChat(IAsyncStreamReader<ChatMessage> requestStream, IServerStreamWriter<ChatMessage> responseStream, ServerCallContext context)
    {
        await foreach (var message in requestStream.ReadAllAsync(context.CancellationToken))
        {
            await responseStream.WriteAsync(new ChatMessage { SessionId = message.SessionId, Sender = "support", Text = "re: " + message.Text, Time = UsersOracleService.Epoch });
        }
    }

    private static Charge ChargeFor(ChargeCardRequest request) => new()
    {
        ChargeId = "ch-" + request.IdempotencyKey,
        AccountId = request.AccountId,
        Amount = request.Amount,
        Status = ChargeStatus.Succeeded,
        CreateTime = UsersOracleService.Epoch,
        IdempotencyKey = request.IdempotencyKey,
    };
}
