using System.Globalization;
using System.Security.Cryptography;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Grpc.Net.Client;
using MeshProxy.Samples.Payments.V1;
using MeshProxy.Samples.Users.V1;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.Interop;

/// <summary>
/// What a grpc-dotnet client (Grpc.Net.Client with generated clients) must see when it calls through the sidecar a
/// server with the behaviours of tests/node/interop/server.js. Each subclass binds these tests to one server
/// implementation; where the servers truly differ, a hook says how. Everything here would hold with no sidecar at all:
/// the sidecar must be invisible to both ends. An error the sidecar logs fails the test.
/// </summary>
public abstract class GrpcDotnetClientContractTests : IDisposable
{
    private static readonly Method<GetUserRequest, User> NoSuchMethod = new(
        MethodType.Unary,
        "users.v1.UserService",
        "NoSuchMethod",
        Marshallers.Create(m => m.ToByteArray(), GetUserRequest.Parser.ParseFrom),
        Marshallers.Create(m => m.ToByteArray(), User.Parser.ParseFrom));

    private readonly InteropStack _stack;
    private readonly int _errorsBefore;
    private readonly GrpcChannel _channel;

    protected GrpcDotnetClientContractTests(InteropStack stack, ServerKind server)
    {
        _stack = stack;
        _errorsBefore = stack.Logs.Errors.Count;
        Sidecar = stack.SidecarFor(server);
        _channel = GrpcChannel.ForAddress(Sidecar);
        Users = new UserService.UserServiceClient(_channel);
        Payments = new PaymentService.PaymentServiceClient(_channel);
    }

    public static TheoryData<int> NonOkCodes => [.. Enumerable.Range(1, 16)];

    /// <summary>
    /// Whether the server puts a handler's exception text into grpc-message. grpc-js sends <c>Error.message</c> as the
    /// status details by design; grpc-dotnet answers UNKNOWN without it unless detailed errors are on.
    /// </summary>
    protected abstract bool ServerSendsExceptionText { get; }

    protected Uri Sidecar { get; }

    private UserService.UserServiceClient Users { get; }

    private PaymentService.PaymentServiceClient Payments { get; }

    public void Dispose()
    {
        _channel.Dispose();
        var errors = _stack.Logs.Errors.Skip(_errorsBefore).ToArray();
        Assert.True(errors.Length == 0, "Unexpected error logs:\n" + string.Join('\n', errors));
        GC.SuppressFinalize(this);
    }

    [Theory]
    [MemberData(nameof(NonOkCodes))]
    public async Task Unary_EveryStatusCode_RoundTripsWithItsMessage(int code)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => Users.GetUserAsync(new GetUserRequest { UserId = "status:" + code }).ResponseAsync).DefaultTimeout();
        Assert.Equal((StatusCode)code, ex.StatusCode);
        Assert.Equal("status status:" + code, ex.Status.Detail);
    }

    [Fact]
    public async Task Unary_Ok_ReturnsResponseAndOkStatus()
    {
        using var call = Users.GetUserAsync(new GetUserRequest { UserId = "42" });
        Assert.Equal("User 42", (await call.ResponseAsync.DefaultTimeout()).DisplayName);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Unary_Metadata_TextAndBinaryRoundTripBothWays()
    {
        var headers = new Metadata { { "x-custom", "value-1" }, { "x-custom-bin", new byte[] { 0, 1, 254, 255 } } };
        using var call = Users.GetUserAsync(new GetUserRequest { UserId = "echo-metadata" }, headers);
        var user = await call.ResponseAsync.DefaultTimeout();
        var responseHeaders = await call.ResponseHeadersAsync.DefaultTimeout();

        Assert.Equal("value-1", user.Labels["x-custom"]);
        Assert.Equal("base64:AAH+/w==", user.Labels["x-custom-bin"]);

        // The caller's user-agent reaches the server as sent (PROTOCOL-HTTP2.md, User-Agent); reserved headers never
        // become metadata on either server.
        Assert.StartsWith("grpc-dotnet/", user.Labels["user-agent"], StringComparison.Ordinal);
        Assert.DoesNotContain(user.Labels.Keys, k => k.StartsWith("grpc-", StringComparison.Ordinal) || k is "te" or "content-type");

        Assert.Equal("header-value", responseHeaders.GetValue("x-resp-header"));
        Assert.Equal(new byte[] { 0xDE, 0xAD, 0xBE, 0xEF }, responseHeaders.GetValueBytes("x-resp-bin"));
        Assert.Equal("trailer-value", call.GetTrailers().GetValue("x-resp-trailer"));
        Assert.Equal(new byte[] { 1, 2, 3, 0xFF }, call.GetTrailers().GetValueBytes("x-trailer-bin"));
    }

    [Fact]
    public async Task Unary_RpcExceptionWithDetails_ClientSeesCodeMessageDetailsAndTrailers()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => Users.GetUserAsync(new GetUserRequest { UserId = "error-details" }).ResponseAsync).DefaultTimeout();

        Assert.Equal(StatusCode.FailedPrecondition, ex.StatusCode);
        // Non-ASCII and '%' survive the percent-encoding of grpc-message through the sidecar.
        Assert.Equal("precondition failed: ünïcode % 100", ex.Status.Detail);
        var rpcStatus = Google.Rpc.Status.Parser.ParseFrom(ex.Trailers.GetValueBytes("grpc-status-details-bin"));
        Assert.Equal((int)StatusCode.FailedPrecondition, rpcStatus.Code);
        Assert.Equal("TEST_REASON", rpcStatus.Details.Single().Unpack<DebugInfo>().Detail);
        Assert.Equal("yes", ex.Trailers.GetValue("x-error-trailer"));
    }

    [Fact]
    public async Task Unary_HandlerThrows_Unknown()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => Users.GetUserAsync(new GetUserRequest { UserId = "throw" }).ResponseAsync).DefaultTimeout();
        Assert.Equal(StatusCode.Unknown, ex.StatusCode);
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
    public async Task Unary_MethodTheServerLacks_UnimplementedFromTheServer()
    {
        // The route covers the whole service, so the server itself answers for the method it does not have.
        var call = _channel.CreateCallInvoker().AsyncUnaryCall(NoSuchMethod, null, default, new GetUserRequest { UserId = "x" });
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync).DefaultTimeout();
        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
    }

    [Fact]
    public async Task Unary_Deadline_ServerSeesTheTimeLeft()
    {
        var user = await Users.GetUserAsync(new GetUserRequest { UserId = "deadline-info" }, deadline: DateTime.UtcNow.AddSeconds(20)).ResponseAsync.DefaultTimeout();
        Assert.InRange(long.Parse(user.DisplayName, CultureInfo.InvariantCulture), 1, 20_000);
    }

    [Fact]
    public async Task Unary_DeadlineWhileHandlerRuns_DeadlineExceededOnBothSides()
    {
        var (headers, testId) = Tagged();
        var ex = await Assert.ThrowsAsync<RpcException>(() =>
            Users.GetUserAsync(new GetUserRequest { UserId = "wait-for-cancel" }, headers, DateTime.UtcNow.AddMilliseconds(300)).ResponseAsync).DefaultTimeout();

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        // Client, sidecar and server deadlines race; whichever fires first, the handler saw the call end.
        Assert.Contains(await ServerSawAsync(testId), new[] { "deadline", "cancelled" });
    }

    [Fact]
    public async Task ServerStreaming_ClientCancelsAfterAMessage_ServerSeesCancellationAndClientSeesCancelled()
    {
        // The first message proves the handler runs. (Not the response headers: the sidecar holds headers that come
        // without a message until the first message or the status, as YARP starts a response only with its body.)
        var (headers, testId) = Tagged();
        using var cts = new CancellationTokenSource();
        using var call = Users.ListUsers(new ListUsersRequest { PageSize = 1, Plan = Plan.Pro }, headers, cancellationToken: cts.Token);
        Assert.True(await call.ResponseStream.MoveNext().DefaultTimeout());
        await cts.CancelAsync();

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext()).DefaultTimeout();
        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
        Assert.Equal("cancelled", await ServerSawAsync(testId));
    }

    [Fact]
    public async Task Unary_GzipRequestAndResponse_PassThroughCompressed()
    {
        // The request is sent gzip-compressed; both servers answer gzip-compressed too (grpc-js always, grpc-dotnet by option).
        var user = new User { UserId = "c", DisplayName = new string('z', 100_000), Labels = { ["compress"] = "gzip" } };
        var headers = new Metadata { { "grpc-internal-encoding-request", "gzip" } };
        using var call = Users.CreateUserAsync(new CreateUserRequest { User = user }, headers);
        Assert.Equal(user, await call.ResponseAsync.DefaultTimeout());
    }

    [Fact]
    public async Task Unary_LargeMessage_RoundTripsWhole()
    {
        // 3 MiB of random text, under the servers' 4 MiB limit: many DATA frames and flow-control windows both ways.
        var user = new User { UserId = "large", DisplayName = Convert.ToBase64String(RandomNumberGenerator.GetBytes(3 * 1024 * 1024 / 4 * 3)) };
        var echoed = await Users.CreateUserAsync(new CreateUserRequest { User = user }).ResponseAsync.DefaultTimeout();
        Assert.Equal(user, echoed);
    }

    [Fact]
    public async Task Unary_RequestOverServerLimit_ResourceExhaustedFromTheServer()
    {
        var user = new User { UserId = "big", DisplayName = new string('x', 4 * 1024 * 1024 + 10) };
        var ex = await Assert.ThrowsAsync<RpcException>(() => Users.CreateUserAsync(new CreateUserRequest { User = user }).ResponseAsync).DefaultTimeout();
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public async Task Unary_ResponseOverClientLimit_ResourceExhausted()
    {
        using var small = GrpcChannel.ForAddress(Sidecar, new GrpcChannelOptions { MaxReceiveMessageSize = 1000 });
        var user = new User { UserId = "big", DisplayName = new string('x', 2000) };
        var ex = await Assert.ThrowsAsync<RpcException>(() => new UserService.UserServiceClient(small).CreateUserAsync(new CreateUserRequest { User = user }).ResponseAsync).DefaultTimeout();
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public async Task ServerStreaming_ReadsEveryMessageThenOk()
    {
        using var call = Users.ListUsers(new ListUsersRequest { PageSize = 5 });
        var ids = new List<string>();
        while (await call.ResponseStream.MoveNext().DefaultTimeout())
        {
            ids.Add(call.ResponseStream.Current.UserId);
        }

        Assert.Equal(["u0", "u1", "u2", "u3", "u4"], ids);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task ServerStreaming_ErrorAfterMessages_MessagesThenStatusInTrailers()
    {
        using var call = Users.ListUsers(new ListUsersRequest { PageSize = 2, Plan = Plan.Enterprise });
        Assert.True(await call.ResponseStream.MoveNext().DefaultTimeout());
        Assert.True(await call.ResponseStream.MoveNext().DefaultTimeout());
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext()).DefaultTimeout();
        Assert.Equal(StatusCode.Aborted, ex.StatusCode);
        Assert.Equal("stream aborted after messages", ex.Status.Detail);
    }

    [Fact]
    public async Task ServerStreaming_DeadlineAfterMessages_MessageThenDeadlineExceeded()
    {
        var (headers, testId) = Tagged();
        using var call = Users.ListUsers(new ListUsersRequest { PageSize = 1, Plan = Plan.Pro }, headers, DateTime.UtcNow.AddMilliseconds(500));
        Assert.True(await call.ResponseStream.MoveNext().DefaultTimeout());
        Assert.Equal("u0", call.ResponseStream.Current.UserId);
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext()).DefaultTimeout();
        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        Assert.Contains(await ServerSawAsync(testId), new[] { "deadline", "cancelled" });
    }

    [Fact]
    public async Task ClientStreaming_SummarisesEveryRequest()
    {
        using var call = Payments.BatchCharge();
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
        // Each answer must arrive before the next request is written: the sidecar forwards message by message.
        using var call = Users.SyncUsers();
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

    /// <summary>Headers that tag a call with a fresh test id, so <see cref="ServerSawAsync"/> can ask how it ended.</summary>
    private static (Metadata Headers, string TestId) Tagged()
    {
        var testId = Guid.NewGuid().ToString("N");
        return (new Metadata { { CancellationLog.TestIdHeader, testId } }, testId);
    }

    /// <summary>How the server saw the tagged call end ("deadline" or "cancelled"), asked through the sidecar.</summary>
    private async Task<string> ServerSawAsync(string testId) =>
        (await Users.GetUserAsync(new GetUserRequest { UserId = "cancel-seen:" + testId }).ResponseAsync.DefaultTimeout()).DisplayName;
}
