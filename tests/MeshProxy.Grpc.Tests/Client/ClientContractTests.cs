using Google.Rpc;
using MeshProxy.Grpc.Client;
using MeshProxy.Grpc.Tests.Infrastructure;
using MeshProxy.Samples.Payments.V1;
using MeshProxy.Samples.Users.V1;
using MeshProxy.TestSupport;

namespace MeshProxy.Grpc.Tests.Client;

/// <summary>
/// What our client must see from any conforming server: each subclass binds these tests to one server that implements the
/// behaviours of <see cref="TestService"/> (ours on Kestrel, or tests/node/interop/server.js on grpc-js) and keeps its
/// server-specific tests beside them. Where the servers truly differ, a hook below says how and why.
/// </summary>
public abstract class ClientContractTests : IDisposable
{
    private readonly Uri _address;

    protected ClientContractTests(Uri address)
    {
        _address = address;
        Channel = GrpcChannel.ForAddress(address);
    }

    public static TheoryData<int> NonOkCodes => [.. Enumerable.Range(1, 16)];

    /// <summary>A channel to the server under test, shared by the tests of one instance.</summary>
    protected GrpcChannel Channel { get; }

    /// <summary>
    /// Whether the server puts a handler's exception text into grpc-message. grpc-js sends <c>Error.message</c> as the
    /// status details by design; ours answers UNKNOWN without it, so nothing internal leaks to callers.
    /// </summary>
    protected abstract bool ServerSendsExceptionText { get; }

    /// <summary>Whether the server hands the caller's <c>user-agent</c> to handlers as metadata (grpc-js does, ours does not).</summary>
    protected abstract bool ServerExposesUserAgent { get; }

    public void Dispose()
    {
        Channel.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Starts watching how the server sees the call tagged with <paramref name="testId"/> (header <see cref="TestService.TestIdHeader"/>)
    /// end: "deadline" or "cancelled". Called before the call starts; the returned function is awaited after it ended.
    /// </summary>
    protected abstract Func<Task<string>> WatchServerCancellation(string testId);

    /// <summary>Headers that tag a new call with a fresh test id, and how the server saw that call end (see <see cref="WatchServerCancellation"/>).</summary>
    private (Metadata Headers, Func<Task<string>> HowItEnded) TagCall()
    {
        var testId = Guid.NewGuid().ToString("N");
        return (new Metadata { { TestService.TestIdHeader, testId } }, WatchServerCancellation(testId));
    }

    [Theory]
    [MemberData(nameof(NonOkCodes))]
    public async Task Unary_EveryStatusCode_RoundTrips(int code)
    {
        using var call = Channel.UnaryAsync(TestMethods.GetUser, new GetUserRequest { UserId = "status:" + code });
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync).DefaultTimeout();
        Assert.Equal((StatusCode)code, ex.StatusCode);
        Assert.Equal("status status:" + code, ex.Status.Detail);
        Assert.Equal(ex.Status, call.GetStatus());
    }

    [Fact]
    public async Task Unary_Ok_ReturnsResponseAndOkStatus()
    {
        using var call = Channel.UnaryAsync(TestMethods.GetUser, new GetUserRequest { UserId = "42" });
        var user = await call.ResponseAsync.DefaultTimeout();
        Assert.Equal("User 42", user.DisplayName);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Unary_Metadata_TextAndBinaryRoundTripBothWays()
    {
        var headers = new Metadata { { "x-custom", "value-1" }, { "x-custom-bin", new byte[] { 0, 1, 254, 255 } } };
        using var call = Channel.UnaryAsync(TestMethods.GetUser, new GetUserRequest { UserId = "echo-metadata" }, new CallOptions(Headers: headers));
        var user = await call.ResponseAsync.DefaultTimeout();
        var responseHeaders = await call.ResponseHeadersAsync.DefaultTimeout();

        Assert.Equal("value-1", user.Labels["x-custom"]);
        Assert.Equal("base64:AAH+/w==", user.Labels["x-custom-bin"]);
        // Reserved headers never reach a handler as metadata (the user-agent only where the server hides it, see the hook).
        Assert.DoesNotContain(user.Labels.Keys, k => k.StartsWith("grpc-", StringComparison.Ordinal) || k is "te" or "content-type");
        if (ServerExposesUserAgent)
        {
            // Where the server shows it, check what our client sent (PROTOCOL-HTTP2.md, User-Agent).
            Assert.StartsWith("grpc-meshproxy/", user.Labels["user-agent"], StringComparison.Ordinal);
        }
        else
        {
            Assert.DoesNotContain("user-agent", user.Labels.Keys);
        }

        Assert.Equal("header-value", responseHeaders.GetValue("x-resp-header"));
        Assert.Equal(new byte[] { 0xDE, 0xAD, 0xBE, 0xEF }, responseHeaders.GetValueBytes("x-resp-bin"));
        Assert.Equal("trailer-value", call.GetTrailers().GetValue("x-resp-trailer"));
        Assert.Equal(new byte[] { 1, 2, 3, 0xFF }, call.GetTrailers().GetValueBytes("x-trailer-bin"));
    }

    [Fact]
    public async Task Unary_RpcExceptionWithDetails_ClientSeesCodeMessageDetailsAndTrailers()
    {
        using var call = Channel.UnaryAsync(TestMethods.GetUser, new GetUserRequest { UserId = "error-details" });
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync).DefaultTimeout();

        Assert.Equal(StatusCode.FailedPrecondition, ex.StatusCode);
        Assert.Equal("precondition failed: ünïcode % 100", ex.Status.Detail);
        var rpcStatus = ex.Status.GetRpcStatus();
        Assert.NotNull(rpcStatus);
        Assert.Equal("TEST_REASON", rpcStatus.Details.Single().Unpack<DebugInfo>().Detail);
        Assert.Equal("yes", ex.Trailers.GetValue("x-error-trailer"));
    }

    [Fact]
    public async Task Unary_HandlerThrows_Unknown()
    {
        using var call = Channel.UnaryAsync(TestMethods.GetUser, new GetUserRequest { UserId = "throw" });
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync).DefaultTimeout();
        Assert.Equal(StatusCode.Unknown, ex.StatusCode);
        // The servers differ on purpose here (see ServerSendsExceptionText); either way the client reports what was sent.
        if (ServerSendsExceptionText)
        {
            Assert.Equal("secret detail", ex.Status.Detail);
        }
        else
        {
            Assert.DoesNotContain("secret", ex.Status.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Unary_UnknownMethod_Unimplemented()
    {
        using var call = Channel.UnaryAsync(TestMethods.Missing, new GetUserRequest());
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync).DefaultTimeout();
        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
    }

    [Fact]
    public async Task Unary_Deadline_ServerSeesIt()
    {
        using var call = Channel.UnaryAsync(TestMethods.GetUser, new GetUserRequest { UserId = "deadline-info" }, new CallOptions(Deadline: DateTime.UtcNow.AddSeconds(20)));
        var remaining = long.Parse((await call.ResponseAsync.DefaultTimeout()).DisplayName, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(remaining, 1, 20_000);
    }

    [Fact]
    public async Task Unary_DeadlineWhileHandlerRuns_DeadlineExceededOnBothSides()
    {
        var (headers, seen) = TagCall();
        using var call = Channel.UnaryAsync(
            TestMethods.GetUser,
            new GetUserRequest { UserId = "wait-for-cancel" },
            new CallOptions(Headers: headers, Deadline: DateTime.UtcNow.AddMilliseconds(300)));

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync).DefaultTimeout();
        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        // Client and server deadlines race (the client's fires first and resets the stream); either way the handler saw the end.
        Assert.Contains(await seen().DefaultTimeout(), new[] { "deadline", "cancelled" });
    }

    [Fact]
    public async Task Unary_ClientCancels_ServerSeesCancellationAndClientSeesCancelled()
    {
        var (headers, seen) = TagCall();
        using var cts = new CancellationTokenSource();
        using var call = Channel.UnaryAsync(
            TestMethods.GetUser,
            new GetUserRequest { UserId = "wait-for-cancel" },
            new CallOptions(Headers: headers, CancellationToken: cts.Token));
        await call.ResponseHeadersAsync.DefaultTimeout();
        await cts.CancelAsync();

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync).DefaultTimeout();
        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
        Assert.Equal("cancelled", await seen().DefaultTimeout());
    }

    [Fact]
    public async Task Unary_AlreadyExpiredDeadline_FailsWithoutSending()
    {
        using var call = Channel.UnaryAsync(TestMethods.GetUser, new GetUserRequest { UserId = "1" }, new CallOptions(Deadline: DateTime.UtcNow.AddSeconds(-1)));
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync).DefaultTimeout();
        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate")]
    public async Task Unary_Compression_BothWays(string algorithm)
    {
        // The "compress" label asks our server to answer with the same algorithm; grpc-js answers with gzip whatever it gets.
        var user = new User { UserId = "c", DisplayName = new string('z', 100_000), Labels = { ["compress"] = algorithm } };
        using var call = Channel.UnaryAsync(TestMethods.CreateUser, new CreateUserRequest { User = user }, new CallOptions(WriteCompression: algorithm));
        Assert.Equal(user, await call.ResponseAsync.DefaultTimeout());
    }

    [Fact]
    public async Task Unary_RequestOverServerLimit_ResourceExhausted()
    {
        var user = new User { UserId = "big", DisplayName = new string('x', 4 * 1024 * 1024 + 10) };
        using var call = Channel.UnaryAsync(TestMethods.CreateUser, new CreateUserRequest { User = user });
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync).DefaultTimeout();
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public async Task Unary_ResponseOverClientLimit_ResourceExhausted()
    {
        using var small = GrpcChannel.ForAddress(_address, new GrpcChannelOptions { MaxReceiveMessageSize = 1000 });
        var user = new User { UserId = "big", DisplayName = new string('x', 2000) };
        using var call = small.UnaryAsync(TestMethods.CreateUser, new CreateUserRequest { User = user });
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync).DefaultTimeout();
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public async Task ServerStreaming_ReadsEveryMessageThenOk()
    {
        using var call = Channel.ServerStreamingAsync(TestMethods.ListUsers, new ListUsersRequest { PageSize = 5 });
        var ids = new List<string>();
        await foreach (var user in call.ResponseStream.ReadAllAsync())
        {
            ids.Add(user.UserId);
        }

        Assert.Equal(["u0", "u1", "u2", "u3", "u4"], ids);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task ServerStreaming_ErrorAfterMessages_MessagesThenStatusInTrailers()
    {
        using var call = Channel.ServerStreamingAsync(TestMethods.ListUsers, new ListUsersRequest { PageSize = 2, Plan = Plan.Enterprise });
        Assert.True(await call.ResponseStream.MoveNext().DefaultTimeout());
        Assert.True(await call.ResponseStream.MoveNext().DefaultTimeout());
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext()).DefaultTimeout();
        Assert.Equal(StatusCode.Aborted, ex.StatusCode);
        Assert.Equal("stream aborted after messages", ex.Status.Detail);
    }

    [Fact]
    public async Task ServerStreaming_DeadlineAfterMessages_DeadlineExceeded()
    {
        var (headers, seen) = TagCall();
        using var call = Channel.ServerStreamingAsync(
            TestMethods.ListUsers,
            new ListUsersRequest { PageSize = 1, Plan = Plan.Pro },
            new CallOptions(Headers: headers, Deadline: DateTime.UtcNow.AddMilliseconds(500)));
        Assert.True(await call.ResponseStream.MoveNext().DefaultTimeout());
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext()).DefaultTimeout();
        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        Assert.Contains(await seen().DefaultTimeout(), new[] { "deadline", "cancelled" });
    }

    [Fact]
    public async Task ClientStreaming_SummarisesEveryRequest()
    {
        using var call = Channel.ClientStreamingAsync(TestMethods.BatchCharge);
        for (var i = 0; i < 3; i++)
        {
            await call.RequestStream.WriteAsync(new ChargeCardRequest { IdempotencyKey = "k" + i, Amount = new Money { Units = 10 } }).DefaultTimeout();
        }

        await call.RequestStream.CompleteAsync().DefaultTimeout();
        var summary = await call.ResponseAsync.DefaultTimeout();
        Assert.Equal(3, summary.Succeeded);
        Assert.Equal(30, summary.Total.Units);
        Assert.Equal(["k0", "k1", "k2"], summary.ChargeIds);
    }

    [Fact]
    public async Task Duplex_EachRequestAnsweredBeforeTheNextIsSent()
    {
        using var call = Channel.DuplexStreamingAsync(TestMethods.SyncUsers);
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
