using Google.Rpc;
using MeshProxy.Grpc.Client;
using MeshProxy.Grpc.Tests.Infrastructure;
using MeshProxy.Samples.Payments.V1;
using MeshProxy.Samples.Users.V1;
using MeshProxy.TestSupport;

namespace MeshProxy.Grpc.Tests.Interop;

/// <summary>OUR client calls a @grpc/grpc-js server (which compresses every response with gzip).</summary>
public sealed class GrpcJsServerTests(GrpcJsServerFixture server) : IClassFixture<GrpcJsServerFixture>, IDisposable
{
    private readonly GrpcChannel _channel = GrpcChannel.ForAddress(server.Address);

    public void Dispose() => _channel.Dispose();

    public static TheoryData<int> NonOkCodes => [.. Enumerable.Range(1, 16)];

    [Theory]
    [MemberData(nameof(NonOkCodes))]
    public async Task Unary_EveryStatusCode_RoundTrips(int code)
    {
        using var call = _channel.UnaryAsync(TestMethods.GetUser, new GetUserRequest { UserId = "status:" + code });
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync).DefaultTimeout();
        Assert.Equal((StatusCode)code, ex.StatusCode);
        Assert.Equal("status status:" + code, ex.Status.Detail);
        Assert.Equal(ex.Status, call.GetStatus());
    }

    [Fact]
    public async Task Unary_Ok()
    {
        using var call = _channel.UnaryAsync(TestMethods.GetUser, new GetUserRequest { UserId = "42" });
        Assert.Equal("User 42", (await call.ResponseAsync.DefaultTimeout()).DisplayName);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Metadata_TextAndBinary_BothWays()
    {
        var headers = new Metadata { { "x-custom", "value-1" }, { "x-custom-bin", new byte[] { 0, 1, 254, 255 } } };
        using var call = _channel.UnaryAsync(TestMethods.GetUser, new GetUserRequest { UserId = "echo-metadata" }, new CallOptions(Headers: headers));
        var user = await call.ResponseAsync.DefaultTimeout();
        var responseHeaders = await call.ResponseHeadersAsync.DefaultTimeout();

        Assert.Equal("value-1", user.Labels["x-custom"]);
        Assert.Equal("base64:AAH+/w==", user.Labels["x-custom-bin"]);
        Assert.Equal("header-value", responseHeaders.GetValue("x-resp-header"));
        Assert.Equal(new byte[] { 0xDE, 0xAD, 0xBE, 0xEF }, responseHeaders.GetValueBytes("x-resp-bin"));
        Assert.Equal("trailer-value", call.GetTrailers().GetValue("x-resp-trailer"));
        Assert.Equal(new byte[] { 1, 2, 3, 0xFF }, call.GetTrailers().GetValueBytes("x-trailer-bin"));
    }

    [Fact]
    public async Task StatusDetails_ReadByOurClient()
    {
        using var call = _channel.UnaryAsync(TestMethods.GetUser, new GetUserRequest { UserId = "error-details" });
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync).DefaultTimeout();
        Assert.Equal(StatusCode.FailedPrecondition, ex.StatusCode);
        Assert.Equal("precondition failed: ünïcode % 100", ex.Status.Detail);
        Assert.Equal("yes", ex.Trailers.GetValue("x-error-trailer"));
        var rpcStatus = ex.Status.GetRpcStatus();
        Assert.NotNull(rpcStatus);
        Assert.Equal("TEST_REASON", rpcStatus.Details.Single().Unpack<DebugInfo>().Detail);
    }

    [Fact]
    public async Task HandlerError_Unknown()
    {
        using var call = _channel.UnaryAsync(TestMethods.GetUser, new GetUserRequest { UserId = "throw" });
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync).DefaultTimeout();
        Assert.Equal(StatusCode.Unknown, ex.StatusCode);
    }

    [Fact]
    public async Task UnknownMethod_Unimplemented()
    {
        using var call = _channel.UnaryAsync(TestMethods.Missing, new GetUserRequest());
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync).DefaultTimeout();
        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
    }

    [Fact]
    public async Task Deadline_ServerSeesIt()
    {
        using var call = _channel.UnaryAsync(TestMethods.GetUser, new GetUserRequest { UserId = "deadline-info" }, new CallOptions(Deadline: DateTime.UtcNow.AddSeconds(20)));
        var remaining = long.Parse((await call.ResponseAsync.DefaultTimeout()).DisplayName, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(remaining, 1, 20_000);
    }

    [Fact]
    public async Task Deadline_Expiry_DeadlineExceeded()
    {
        var testId = Guid.NewGuid().ToString("N");
        using var call = _channel.UnaryAsync(
            TestMethods.GetUser,
            new GetUserRequest { UserId = "wait-for-cancel" },
            new CallOptions(Headers: new Metadata { { TestService.TestIdHeader, testId } }, Deadline: DateTime.UtcNow.AddMilliseconds(300)));
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync).DefaultTimeout();
        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);

        var seen = await _channel.UnaryAsync(TestMethods.GetUser, new GetUserRequest { UserId = "cancel-seen:" + testId }).ResponseAsync.DefaultTimeout();
        Assert.Contains(seen.DisplayName, new[] { "deadline", "cancelled" });
    }

    [Fact]
    public async Task Cancel_ResetsStreamAndGrpcJsSeesCancellation()
    {
        var testId = Guid.NewGuid().ToString("N");
        using var cts = new CancellationTokenSource();
        using var call = _channel.UnaryAsync(
            TestMethods.GetUser,
            new GetUserRequest { UserId = "wait-for-cancel" },
            new CallOptions(Headers: new Metadata { { TestService.TestIdHeader, testId } }, CancellationToken: cts.Token));
        await call.ResponseHeadersAsync.DefaultTimeout();
        await cts.CancelAsync();
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync).DefaultTimeout();
        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);

        var seen = await _channel.UnaryAsync(TestMethods.GetUser, new GetUserRequest { UserId = "cancel-seen:" + testId }).ResponseAsync.DefaultTimeout();
        Assert.Equal("cancelled", seen.DisplayName);
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate")]
    public async Task Compression_BothWays(string algorithm)
    {
        var user = new User { UserId = "c", DisplayName = new string('z', 100_000) };
        using var call = _channel.UnaryAsync(TestMethods.CreateUser, new CreateUserRequest { User = user }, new CallOptions(WriteCompression: algorithm));
        Assert.Equal(user, await call.ResponseAsync.DefaultTimeout());
    }

    [Fact]
    public async Task RequestOver4MiB_ResourceExhausted()
    {
        var user = new User { UserId = "big", DisplayName = new string('x', 4 * 1024 * 1024 + 10) };
        using var call = _channel.UnaryAsync(TestMethods.CreateUser, new CreateUserRequest { User = user });
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync).DefaultTimeout();
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public async Task ResponseOverClientLimit_ResourceExhausted()
    {
        using var small = GrpcChannel.ForAddress(server.Address, new GrpcChannelOptions { MaxReceiveMessageSize = 1000 });
        using var call = small.UnaryAsync(TestMethods.CreateUser, new CreateUserRequest { User = new User { DisplayName = new string('x', 5000) } });
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync).DefaultTimeout();
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public async Task ServerStreaming_AllMessagesThenOk()
    {
        using var call = _channel.ServerStreamingAsync(TestMethods.ListUsers, new ListUsersRequest { PageSize = 5 });
        var ids = new List<string>();
        await foreach (var user in call.ResponseStream.ReadAllAsync())
        {
            ids.Add(user.UserId);
        }

        Assert.Equal(["u0", "u1", "u2", "u3", "u4"], ids);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task ServerStreaming_ErrorAfterMessages()
    {
        using var call = _channel.ServerStreamingAsync(TestMethods.ListUsers, new ListUsersRequest { PageSize = 2, Plan = Plan.Enterprise });
        var received = 0;
        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext())
            {
                received++;
            }
        }).DefaultTimeout();
        Assert.Equal(StatusCode.Aborted, ex.StatusCode);
        Assert.Equal(2, received);
    }

    [Fact]
    public async Task ClientStreaming_Summary()
    {
        using var call = _channel.ClientStreamingAsync(TestMethods.BatchCharge);
        for (var i = 0; i < 3; i++)
        {
            await call.RequestStream.WriteAsync(new ChargeCardRequest { IdempotencyKey = "k" + i, Amount = new Money { Units = 10 } }).DefaultTimeout();
        }

        await call.RequestStream.CompleteAsync().DefaultTimeout();
        var summary = await call.ResponseAsync.DefaultTimeout();
        Assert.Equal(3, summary.Succeeded);
        Assert.Equal(30, summary.Total.Units);
    }

    [Fact]
    public async Task Duplex_AnswersEachMessage()
    {
        using var call = _channel.DuplexStreamingAsync(TestMethods.SyncUsers);
        for (var i = 0; i < 3; i++)
        {
            await call.RequestStream.WriteAsync(new SyncUsersRequest { Upsert = new User { UserId = "d" + i } }).DefaultTimeout();
            Assert.True(await call.ResponseStream.MoveNext().DefaultTimeout());
            Assert.Equal("d" + i, call.ResponseStream.Current.UserId);
        }

        await call.RequestStream.WriteAsync(new SyncUsersRequest { DeleteUserId = "d0" }).DefaultTimeout();
        await call.RequestStream.CompleteAsync().DefaultTimeout();
        Assert.True(await call.ResponseStream.MoveNext().DefaultTimeout());
        Assert.True(call.ResponseStream.Current.Deleted);
        Assert.False(await call.ResponseStream.MoveNext().DefaultTimeout());
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }
}
