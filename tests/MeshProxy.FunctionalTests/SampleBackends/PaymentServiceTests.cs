using Grpc.Core;
using MeshProxy.Samples.Payments.V1;
using MeshProxy.TestSupport;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests.SampleBackends;

public sealed class PaymentServiceTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ChargeCard_WithoutIdempotencyKey_InvalidArgument()
    {
        await using var backend = await TestBackend.StartAsync(output);

        var ex = await GrpcAssert.FailsWith(StatusCode.InvalidArgument, () => ChargeAsync(backend, Request("")));

        Assert.Contains("idempotency_key", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChargeCard_SameKeyTwice_SameChargeAndOneTransaction()
    {
        await using var backend = await TestBackend.StartAsync(output);
        var before = await TransactionsAsync(backend, "acct-1003");

        var first = await ChargeAsync(backend, Request("key-1", units: 10));
        var retry = await ChargeAsync(backend, Request("key-1", units: 10));
        var other = await ChargeAsync(backend, Request("key-2", units: 10));
        var after = await TransactionsAsync(backend, "acct-1003");

        Assert.Equal(ChargeStatus.Succeeded, first.Status);
        Assert.Equal(first, retry);
        Assert.NotEqual(first.ChargeId, other.ChargeId);
        Assert.Empty(before);
        Assert.Equal(2, after.Count);
    }

    [Fact]
    public async Task ChargeCard_SameKeyConcurrently_ExactlyOneCharge()
    {
        await using var backend = await TestBackend.StartAsync(output);

        var charges = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => ChargeAsync(backend, Request("key-race", units: 7))));

        Assert.Single(charges.Select(c => c.ChargeId).Distinct());
        Assert.Single(await TransactionsAsync(backend, "acct-1003"));
    }

    [Fact]
    public async Task ChargeCard_DeclinedToken_DeclinedWithoutTransaction()
    {
        await using var backend = await TestBackend.StartAsync(output);

        var charge = await ChargeAsync(backend, Request("key-d", token: "tok_declined"));

        Assert.Equal(ChargeStatus.Declined, charge.Status);
        Assert.Equal("key-d", charge.IdempotencyKey);
        Assert.Empty(await TransactionsAsync(backend, "acct-1003"));
    }

    [Fact]
    public async Task ChargeCard_UnknownAccount_NotFound()
    {
        await using var backend = await TestBackend.StartAsync(output);

        await GrpcAssert.FailsWith(StatusCode.NotFound, () => ChargeAsync(backend, Request("key-x", account: "acct-404")));
    }

    [Theory]
    [InlineData("EUR", 0, 0)]
    [InlineData("EUR", -5, 0)]
    [InlineData("EUR", 1, -5)]
    [InlineData("EUR", 0, 1_000_000_000)]
    [InlineData("euro", 5, 0)]
    public async Task ChargeCard_BadAmount_InvalidArgument(string currency, long units, int nanos)
    {
        await using var backend = await TestBackend.StartAsync(output);
        var request = Request("key-bad");
        request.Amount = new Money { CurrencyCode = currency, Units = units, Nanos = nanos };

        await GrpcAssert.FailsWith(StatusCode.InvalidArgument, () => ChargeAsync(backend, request));
    }

    [Fact]
    public async Task StreamTransactions_Account_OldestFirstUpToLimit()
    {
        await using var backend = await TestBackend.StartAsync(output);

        var all = await TransactionsAsync(backend, "acct-1001");
        var two = await TransactionsAsync(backend, "acct-1001", limit: 2);

        Assert.True(all.Count >= 3);
        Assert.Equal(all.OrderBy(t => t.Time.ToDateTimeOffset()).Select(t => t.TransactionId), all.Select(t => t.TransactionId));
        Assert.Equal(all.Take(2), two);
    }

    [Theory]
    [InlineData("acct-404", 0, StatusCode.NotFound)]
    [InlineData("", 0, StatusCode.InvalidArgument)]
    [InlineData("acct-1001", -1, StatusCode.InvalidArgument)]
    public async Task StreamTransactions_BadRequest_Fails(string account, int limit, StatusCode expected)
    {
        await using var backend = await TestBackend.StartAsync(output);

        await GrpcAssert.FailsWith(expected, () => TransactionsAsync(backend, account, limit));
    }

    [Fact]
    public async Task BatchCharge_MixedOutcomes_SummaryCountsAndSumsSucceeded()
    {
        await using var backend = await TestBackend.StartAsync(output);

        using var call = backend.Payments.BatchCharge();
        await call.RequestStream.WriteAsync(Request("b-1", units: 1, nanos: 600_000_000)).DefaultTimeout();
        await call.RequestStream.WriteAsync(Request("b-2", token: "tok_declined")).DefaultTimeout();
        await call.RequestStream.WriteAsync(Request("b-3", units: 2, nanos: 700_000_000)).DefaultTimeout();
        await call.RequestStream.WriteAsync(Request("b-1", units: 1, nanos: 600_000_000)).DefaultTimeout();
        await call.RequestStream.CompleteAsync().DefaultTimeout();
        var summary = await call.ResponseAsync.DefaultTimeout();

        Assert.Equal(2, summary.Succeeded);
        Assert.Equal(1, summary.Declined);
        Assert.Equal(new Money { CurrencyCode = "EUR", Units = 4, Nanos = 300_000_000 }, summary.Total);
        Assert.Equal(3, summary.ChargeIds.Distinct().Count());
        Assert.Equal(3, summary.ChargeIds.Count);
        Assert.Equal(2, (await TransactionsAsync(backend, "acct-1003")).Count);
    }

    [Fact]
    public async Task BatchCharge_MixedCurrencies_InvalidArgumentNamingTheCharge()
    {
        await using var backend = await TestBackend.StartAsync(output);

        using var call = backend.Payments.BatchCharge();
        await call.RequestStream.WriteAsync(Request("m-1", units: 3)).DefaultTimeout();
        var usd = Request("m-2", units: 3);
        usd.Amount.CurrencyCode = "USD";
        await call.RequestStream.WriteAsync(usd).DefaultTimeout();
        await call.RequestStream.CompleteAsync().DefaultTimeout();

        var ex = await GrpcAssert.FailsWith(StatusCode.InvalidArgument, () => call.ResponseAsync);
        Assert.StartsWith("charge 1:", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PaymentChat_EachMessage_AnsweredInOrderInItsSession()
    {
        await using var backend = await TestBackend.StartAsync(output);

        using var call = backend.Payments.PaymentChat();
        var answers = new List<ChatMessage>();
        foreach (var text in new[] { "hello", "where is my refund?", "my card was declined" })
        {
            await call.RequestStream.WriteAsync(new ChatMessage { SessionId = "s-42", Sender = "customer", Text = text }).DefaultTimeout();
            Assert.True(await call.ResponseStream.MoveNext().DefaultTimeout());
            answers.Add(call.ResponseStream.Current);
        }

        await call.RequestStream.CompleteAsync().DefaultTimeout();
        Assert.False(await call.ResponseStream.MoveNext().DefaultTimeout());

        Assert.All(answers, a => Assert.Equal(("s-42", "support"), (a.SessionId, a.Sender)));
        Assert.Contains("Refunds", answers[1].Text, StringComparison.Ordinal);
        Assert.Contains("declined", answers[2].Text, StringComparison.Ordinal);
        Assert.Equal(3, answers.Select(a => a.Text).Distinct().Count());
    }

    [Fact]
    public async Task PaymentChat_EmptyText_InvalidArgument()
    {
        await using var backend = await TestBackend.StartAsync(output);

        using var call = backend.Payments.PaymentChat();
        await call.RequestStream.WriteAsync(new ChatMessage { SessionId = "s-1" }).DefaultTimeout();

        await GrpcAssert.FailsWith(StatusCode.InvalidArgument, () => call.ResponseStream.MoveNext());
    }

    private static ChargeCardRequest Request(string key, string account = "acct-1003", long units = 5, int nanos = 0, string token = "tok_visa") =>
        new()
        {
            IdempotencyKey = key,
            AccountId = account,
            Amount = new Money { CurrencyCode = "EUR", Units = units, Nanos = nanos },
            CardToken = token,
            Description = "test",
        };

    private static Task<Charge> ChargeAsync(TestBackend backend, ChargeCardRequest request) =>
        backend.Payments.ChargeCardAsync(request).ResponseAsync.DefaultTimeout();

    private static async Task<List<Transaction>> TransactionsAsync(TestBackend backend, string account, int limit = 0)
    {
        using var call = backend.Payments.StreamTransactions(new StreamTransactionsRequest { AccountId = account, Limit = limit });
        return await GrpcAssert.ReadAllAsync(call.ResponseStream);
    }
}
