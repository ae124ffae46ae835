using MeshProxy.Grpc;
using MeshProxy.Samples.Payments.V1;

namespace MeshProxy.SampleBackends.Payments;

/// <summary>The methods of payments.v1.PaymentService.</summary>
internal static class PaymentServiceMethods
{
    public const string ServiceName = "payments.v1.PaymentService";

    public static readonly Method<ChargeCardRequest, Charge> ChargeCard =
        new(MethodType.Unary, ServiceName, "ChargeCard", ChargeCardRequest.Parser, Charge.Parser);

    public static readonly Method<StreamTransactionsRequest, Transaction> StreamTransactions =
        new(MethodType.ServerStreaming, ServiceName, "StreamTransactions", StreamTransactionsRequest.Parser, Transaction.Parser);

    public static readonly Method<ChargeCardRequest, BatchChargeSummary> BatchCharge =
        new(MethodType.ClientStreaming, ServiceName, "BatchCharge", ChargeCardRequest.Parser, BatchChargeSummary.Parser);

    public static readonly Method<ChatMessage, ChatMessage> PaymentChat =
        new(MethodType.DuplexStreaming, ServiceName, "PaymentChat", ChatMessage.Parser, ChatMessage.Parser);
}
