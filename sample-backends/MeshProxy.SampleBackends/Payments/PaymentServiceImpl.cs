using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using MeshProxy.Samples.Payments.V1;

namespace MeshProxy.SampleBackends.Payments;

/// <summary>payments.v1.PaymentService over the <see cref="PaymentStore"/>; chat answers carry the injected clock's time.</summary>
internal sealed class PaymentServiceImpl(PaymentStore store, TimeProvider timeProvider) : PaymentService.PaymentServiceBase
{
    public override Task<Charge> ChargeCard(ChargeCardRequest request, ServerCallContext context) =>
        Task.FromResult(store.Charge(request));

    public override async Task StreamTransactions(StreamTransactionsRequest request, IServerStreamWriter<Transaction> responseStream, ServerCallContext context)
    {
        foreach (var transaction in store.Transactions(request.AccountId, request.Limit))
        {
            await responseStream.WriteAsync(transaction, context.CancellationToken).ConfigureAwait(false);
        }
    }

    public override async Task<BatchChargeSummary> BatchCharge(IAsyncStreamReader<ChargeCardRequest> requestStream, ServerCallContext context)
    {
        var summary = new BatchChargeSummary();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var index = 0;
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
        {
            // One currency per batch: checked before charging, so a mixed batch fails before the odd charge is made.
            if (summary.Total is { } total && request.Amount is { } amount && !string.Equals(total.CurrencyCode, amount.CurrencyCode, StringComparison.Ordinal))
            {
                throw Invalid(index, $"the batch is in {total.CurrencyCode}, this charge in {amount.CurrencyCode}.");
            }

            Charge charge;
            try
            {
                charge = store.Charge(request);
            }
            catch (RpcException ex)
            {
                throw new RpcException(new Status(ex.StatusCode, string.Create(CultureInfo.InvariantCulture, $"charge {index}: {ex.Status.Detail}")));
            }

            index++;

            // A key repeated within the batch returns the same charge, which is counted once.
            if (!seen.Add(charge.ChargeId))
            {
                continue;
            }

            summary.ChargeIds.Add(charge.ChargeId);
            if (charge.Status == ChargeStatus.Declined)
            {
                summary.Declined++;
                continue;
            }

            summary.Succeeded++;
            summary.Total = summary.Total is null ? charge.Amount.Clone() : MoneyMath.Add(summary.Total, charge.Amount);
        }

        return summary;
    }

    public override async Task PaymentChat(IAsyncStreamReader<ChatMessage> requestStream, IServerStreamWriter<ChatMessage> responseStream, ServerCallContext context)
    {
        string? session = null;
        await foreach (var message in requestStream.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
        {
            if (string.IsNullOrWhiteSpace(message.Text))
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, "A chat message needs text."));
            }

            // The first message names the session; a client that sends none gets one assigned.
            session ??= message.SessionId.Length > 0 ? message.SessionId : "chat-" + Guid.NewGuid().ToString("N")[..12];
            await responseStream.WriteAsync(new ChatMessage
            {
                SessionId = session,
                Sender = "support",
                Text = Answer(message.Text),
                Time = Timestamp.FromDateTimeOffset(timeProvider.GetUtcNow()),
            }, context.CancellationToken).ConfigureAwait(false);
        }
    }

    private static string Answer(string text) =>
        text switch
        {
            _ when text.Contains("refund", StringComparison.OrdinalIgnoreCase) => "Refunds reach the card within 5 to 10 business days.",
            _ when text.Contains("declined", StringComparison.OrdinalIgnoreCase) => "A declined charge is never billed; please try another card.",
            _ when text.Contains("hello", StringComparison.OrdinalIgnoreCase) => "Hello! How can we help with your payments today?",
            _ => "Thanks, an agent will follow up on: " + text,
        };

    private static RpcException Invalid(int index, string message) =>
        new(new Status(StatusCode.InvalidArgument, string.Create(CultureInfo.InvariantCulture, $"charge {index}: {message}")));
}
