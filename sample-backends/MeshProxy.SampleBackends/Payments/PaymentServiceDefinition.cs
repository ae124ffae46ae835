using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using MeshProxy.Grpc;
using MeshProxy.Grpc.Server;
using MeshProxy.SampleBackends.Faults;
using MeshProxy.Samples.Payments.V1;

namespace MeshProxy.SampleBackends.Payments;

/// <summary>payments.v1.PaymentService over a <see cref="PaymentStore"/>.</summary>
internal static class PaymentServiceDefinition
{
    public static GrpcServiceDefinition Create(PaymentStore store, TimeProvider timeProvider) =>
        new GrpcServiceBuilder(PaymentServiceMethods.ServiceName)
            .AddUnary(PaymentServiceMethods.ChargeCard, (request, _) => Task.FromResult(store.Charge(request)))
            .AddServerStreaming(PaymentServiceMethods.StreamTransactions, FaultingStreams.Wrap<StreamTransactionsRequest, Transaction>(async (request, stream, context) =>
            {
                foreach (var transaction in store.Transactions(request.AccountId, request.Limit))
                {
                    await stream.WriteAsync(transaction, context.CancellationToken).ConfigureAwait(false);
                }
            }))
            .AddClientStreaming(PaymentServiceMethods.BatchCharge, (requests, context) => BatchChargeAsync(store, requests, context))
            .AddDuplexStreaming(PaymentServiceMethods.PaymentChat, FaultingStreams.Wrap<ChatMessage, ChatMessage>((requests, stream, context) => ChatAsync(timeProvider, requests, stream, context)))
            .Build();

    private static async Task<BatchChargeSummary> BatchChargeAsync(PaymentStore store, IAsyncStreamReader<ChargeCardRequest> requests, ServerCallContext context)
    {
        var summary = new BatchChargeSummary();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var index = 0;
        while (await requests.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            var request = requests.Current;

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
                throw new RpcException(ex.Status with { Detail = string.Create(CultureInfo.InvariantCulture, $"charge {index}: {ex.Status.Detail}") });
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

    private static async Task ChatAsync(TimeProvider timeProvider, IAsyncStreamReader<ChatMessage> requests, IServerStreamWriter<ChatMessage> stream, ServerCallContext context)
    {
        string? session = null;
        while (await requests.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            var message = requests.Current;
            if (string.IsNullOrWhiteSpace(message.Text))
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, "A chat message needs text."));
            }

            // The first message names the session; a client that sends none gets one assigned.
            session ??= message.SessionId.Length > 0 ? message.SessionId : "chat-" + Guid.NewGuid().ToString("N")[..12];
            await stream.WriteAsync(new ChatMessage
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
