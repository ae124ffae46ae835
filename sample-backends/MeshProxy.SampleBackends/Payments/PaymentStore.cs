using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using MeshProxy.Samples.Payments.V1;

namespace MeshProxy.SampleBackends.Payments;

/// <summary>
/// Accounts, their transactions and charges by idempotency key; thread-safe and in memory. A key is charged once:
/// a repeated key returns the first charge unchanged (declined ones too), as payment processors do.
/// </summary>
internal sealed class PaymentStore
{
    /// <summary>The card token that is always declined.</summary>
    public const string DeclinedToken = "tok_declined";

    private const int MaxIdempotencyKeyLength = 255;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, List<Transaction>> _accounts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Charge> _charges = new(StringComparer.Ordinal);
    private readonly TimeProvider _timeProvider;
    private long _nextCharge = 7000;
    private long _nextTransaction = 100;

    public PaymentStore(TimeProvider timeProvider)
    {
        _timeProvider = timeProvider;
        Seed();
    }

    public Charge Charge(ChargeCardRequest request)
    {
        if (request.IdempotencyKey.Length == 0)
        {
            throw Invalid("idempotency_key is required: it makes a retried charge safe.");
        }

        if (request.IdempotencyKey.Length > MaxIdempotencyKeyLength)
        {
            throw Invalid($"idempotency_key must be at most {MaxIdempotencyKeyLength} characters.");
        }

        lock (_lock)
        {
            if (_charges.TryGetValue(request.IdempotencyKey, out var first))
            {
                return first.Clone();
            }
        }

        if (request.AccountId.Length == 0)
        {
            throw Invalid("account_id is required.");
        }

        MoneyMath.RequireChargeAmount(request.Amount);
        if (request.CardToken.Length == 0)
        {
            throw Invalid("card_token is required.");
        }

        lock (_lock)
        {
            // Checked again under the lock: two concurrent calls with one key must still yield one charge.
            if (_charges.TryGetValue(request.IdempotencyKey, out var first))
            {
                return first.Clone();
            }

            if (!_accounts.TryGetValue(request.AccountId, out var transactions))
            {
                throw new RpcException(new Status(StatusCode.NotFound, $"Account '{request.AccountId}' not found."));
            }

            var now = Timestamp.FromDateTimeOffset(_timeProvider.GetUtcNow());
            var declined = string.Equals(request.CardToken, DeclinedToken, StringComparison.Ordinal);
            var charge = new Charge
            {
                ChargeId = "ch-" + (++_nextCharge).ToString(CultureInfo.InvariantCulture),
                AccountId = request.AccountId,
                Amount = request.Amount.Clone(),
                Status = declined ? ChargeStatus.Declined : ChargeStatus.Succeeded,
                CreateTime = now,
                IdempotencyKey = request.IdempotencyKey,
            };
            _charges[request.IdempotencyKey] = charge;
            if (!declined)
            {
                transactions.Add(NewTransaction(request.AccountId, request.Amount.Clone(), now, request.Description.Length > 0 ? request.Description : "Card charge " + charge.ChargeId));
            }

            return charge.Clone();
        }
    }

    /// <summary>An account's transactions, oldest first, at most <paramref name="limit"/> (all when 0).</summary>
    public IReadOnlyList<Transaction> Transactions(string accountId, int limit)
    {
        if (accountId.Length == 0)
        {
            throw Invalid("account_id is required.");
        }

        if (limit < 0)
        {
            throw Invalid($"limit must not be negative, was {limit}.");
        }

        lock (_lock)
        {
            if (!_accounts.TryGetValue(accountId, out var transactions))
            {
                throw new RpcException(new Status(StatusCode.NotFound, $"Account '{accountId}' not found."));
            }

            var selected = limit > 0 ? transactions.Take(limit) : transactions;
            return [.. selected.Select(t => t.Clone())];
        }
    }

    private Transaction NewTransaction(string accountId, Money amount, Timestamp time, string description) =>
        new()
        {
            TransactionId = "tx-" + (++_nextTransaction).ToString(CultureInfo.InvariantCulture),
            AccountId = accountId,
            Amount = amount,
            Time = time,
            Description = description,
        };

    private void Seed()
    {
        var start = _timeProvider.GetUtcNow() - TimeSpan.FromDays(3);
        var history = new List<Transaction>();
        var seeded = new[] { (1999L, 990_000_000, "Pro plan, monthly"), (12L, 500_000_000, "Extra storage"), (250L, 0, "Enterprise support"), (5L, 0, "API overage") };
        for (var i = 0; i < seeded.Length; i++)
        {
            var (units, nanos, description) = seeded[i];
            var amount = new Money { CurrencyCode = "EUR", Units = units, Nanos = nanos };
            history.Add(NewTransaction("acct-1001", amount, Timestamp.FromDateTimeOffset(start + TimeSpan.FromHours(6 * i)), description));
        }

        _accounts["acct-1001"] = history;
        _accounts["acct-1002"] = [NewTransaction("acct-1002", new Money { CurrencyCode = "USD", Units = 49 }, Timestamp.FromDateTimeOffset(start), "Starter plan")];
        _accounts["acct-1003"] = [];
    }

    private static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));
}
