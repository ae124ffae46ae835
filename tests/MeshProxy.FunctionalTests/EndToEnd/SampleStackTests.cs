using System.Diagnostics;
using Grpc.Core;
using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.FunctionalTests.SampleBackends;
using MeshProxy.Samples.Inventory.V1;
using MeshProxy.Samples.Payments.V1;
using MeshProxy.Samples.Users.V1;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.EndToEnd;

/// <summary>
/// Our own client and grpc-js call the sample backends through the sidecar over real sockets: the product as a user
/// meets it in the demo.
/// </summary>
[Collection(SampleStackCollection.Name)]
public sealed class SampleStackTests(SampleStackFixture stack)
{
    [Fact]
    public async Task Unary_ThroughSidecar_ReachesV1WithItsHeaders()
    {
        using var call = stack.Users.GetUserAsync(new GetUserRequest { UserId = "u-1002" });

        var user = await call.ResponseAsync.DefaultTimeout();
        var headers = await call.ResponseHeadersAsync.DefaultTimeout();

        Assert.Equal("Grace Hopper", user.DisplayName);
        Assert.Equal("v1", headers.GetValue("x-backend-version"));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Unary_CanaryHeader_PinsEveryCallToV2()
    {
        var headers = new Metadata { { "x-canary", "true" } };
        for (var i = 0; i < 20; i++)
        {
            using var call = stack.Users.GetUserAsync(new GetUserRequest { UserId = "u-1001" }, new CallOptions(headers: headers));
            await call.ResponseAsync.DefaultTimeout();
            Assert.Equal("v2", (await call.ResponseHeadersAsync.DefaultTimeout()).GetValue("x-backend-version"));
        }
    }

    [Fact]
    public async Task ServerStreaming_ThroughSidecar_ArrivesInOrder()
    {
        using var call = stack.Users.ListUsers(new ListUsersRequest { Plan = Plan.Pro });

        var users = await GrpcAssert.ReadAllAsync(call.ResponseStream);

        Assert.Equal(["u-1002", "u-1004"], users.Select(u => u.UserId));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task ClientStreaming_ThroughSidecar_SummarisesEveryMessage()
    {
        using var call = stack.Payments.BatchCharge();
        await BatchCharges.WriteAsync(call.RequestStream, 3);
        var summary = await call.ResponseAsync.DefaultTimeout();

        Assert.Equal((2, 1), (summary.Succeeded, summary.Declined));
        Assert.Equal(4, summary.Total.Units);
    }

    [Fact]
    public async Task Duplex_ThroughSidecar_AnswersEachMessageInTurn()
    {
        using var call = stack.Payments.PaymentChat();

        // Each answer arrives before the next message is sent: the stream is interactive end to end.
        for (var i = 0; i < 3; i++)
        {
            await call.RequestStream.WriteAsync(new ChatMessage { SessionId = "s-e2e", Sender = "client", Text = $"question {i}" }).DefaultTimeout();
            Assert.True(await call.ResponseStream.MoveNext().DefaultTimeout());
            Assert.Equal("s-e2e", call.ResponseStream.Current.SessionId);
        }

        await call.RequestStream.CompleteAsync().DefaultTimeout();
        Assert.False(await call.ResponseStream.MoveNext().DefaultTimeout());
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Unary_FiveMebibyteMessage_RefusedWithResourceExhausted()
    {
        var request = new CreateUserRequest { User = new User { Email = "big@example.com", DisplayName = new string('x', 5 * 1024 * 1024) } };

        var ex = await GrpcAssert.FailsWith(StatusCode.ResourceExhausted, () => stack.Users.CreateUserAsync(request).ResponseAsync);

        // The backend's 4 MiB limit refused it, and its answer came back through the sidecar untouched.
        Assert.Equal("v1", ex.Trailers.GetValue("x-backend-version"));
        // The sidecar stays healthy for the next caller.
        await stack.Users.GetUserAsync(new GetUserRequest { UserId = "u-1001" }).ResponseAsync.DefaultTimeout();
    }

    [Fact]
    public async Task Unary_DeadlineShorterThanBackendLatency_DeadlineExceededFast()
    {
        stack.V1.Faults.Add("inventory.v1.InventoryService/CheckStock:latency=10s");
        try
        {
            var stopwatch = Stopwatch.StartNew();
            await GrpcAssert.FailsWith(StatusCode.DeadlineExceeded, () => stack.Inventory.CheckStockAsync(new CheckStockRequest { Sku = "sku-apple" },
                new CallOptions(deadline: DateTime.UtcNow.AddMilliseconds(300))).ResponseAsync);

            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"took {stopwatch.Elapsed}");
        }
        finally
        {
            stack.V1.Faults.Remove("inventory.v1.InventoryService/CheckStock");
        }
    }

    [Fact]
    public async Task Unary_BackendFault_StatusAndMessagePassThrough()
    {
        stack.V1.Faults.Add("inventory.v1.InventoryService/ReserveStock:status=ABORTED,message=conflict: ünïcode 100%");
        try
        {
            var ex = await GrpcAssert.FailsWith(StatusCode.Aborted, () => stack.Inventory.ReserveStockAsync(new ReserveStockRequest { Sku = "sku-apple", Quantity = 1 }).ResponseAsync);

            Assert.Equal("conflict: ünïcode 100%", ex.Status.Detail);
        }
        finally
        {
            stack.V1.Faults.Remove("inventory.v1.InventoryService/ReserveStock");
        }
    }

    [Fact]
    public async Task ServerStreaming_UpstreamDown_Unavailable()
    {
        using var call = stack.Inventory.StreamInventoryUpdates(new StreamInventoryUpdatesRequest(),
            new CallOptions(headers: new Metadata { { "x-nowhere", "1" } }));

        await GrpcAssert.FailsWith(StatusCode.Unavailable, () => call.ResponseStream.MoveNext());
    }

    [Fact]
    public async Task GrpcJs_EveryMethod_ThroughSidecar()
    {
        var before = GrpcJsSampleClient.Methods.ToDictionary(m => m, stack.V1.CallCount);
        var total = stack.V1.Calls.TotalCalls;

        using var json = await GrpcJsSampleClient.RunAsync(stack.GrpcAddress.Port);

        GrpcJsSampleClient.AssertEveryMethodAnswered(json.RootElement, "v1");
        Assert.All(GrpcJsSampleClient.Methods, method => Assert.True(stack.V1.CallCount(method) > before[method], method));
        Assert.Equal(GrpcJsSampleClient.Calls, stack.V1.Calls.TotalCalls - total);
    }
}
