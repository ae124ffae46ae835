using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Health.V1;
using MeshProxy.Grpc.Client;
using MeshProxy.Grpc.Health;
using MeshProxy.Grpc.Tests.Infrastructure;
using MeshProxy.Samples.Payments.V1;
using MeshProxy.Samples.Users.V1;
using MeshProxy.TestSupport;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace MeshProxy.Grpc.Tests.Loopback;

/// <summary>Our client against our server over real sockets on 127.0.0.1.</summary>
public sealed class LoopbackTests(GrpcServerFixture server) : IClassFixture<GrpcServerFixture>, IDisposable
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
    public async Task Unary_Ok_ReturnsResponseAndOkStatus()
    {
        using var call = _channel.UnaryAsync(TestMethods.GetUser, new GetUserRequest { UserId = "42" });
        var user = await call.ResponseAsync.DefaultTimeout();
        Assert.Equal("User 42", user.DisplayName);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Unary_Metadata_TextAndBinaryRoundTripBothWays()
    {
        var headers = new Metadata { { "x-custom", "value-1" }, { "x-custom-bin", new byte[] { 0, 1, 254, 255 } } };
        using var call = _channel.UnaryAsync(TestMethods.GetUser, new GetUserRequest { UserId = "echo-metadata" }, new CallOptions(Headers: headers));
        var user = await call.ResponseAsync.DefaultTimeout();
        var responseHeaders = await call.ResponseHeadersAsync.DefaultTimeout();

        Assert.Equal("value-1", user.Labels["x-custom"]);
        Assert.Equal("base64:AAH+/w==", user.Labels["x-custom-bin"]);
        Assert.DoesNotContain(user.Labels.Keys, k => k.StartsWith("grpc-", StringComparison.Ordinal) || k is "te" or "content-type" or "user-agent");
        Assert.Equal("header-value", responseHeaders.GetValue("x-resp-header"));
        Assert.Equal(new byte[] { 0xDE, 0xAD, 0xBE, 0xEF }, responseHeaders.GetValueBytes("x-resp-bin"));
        Assert.Equal("trailer-value", call.GetTrailers().GetValue("x-resp-trailer"));
        Assert.Equal(new byte[] { 1, 2, 3, 0xFF }, call.GetTrailers().GetValueBytes("x-trailer-bin"));
    }

    [Fact]
    public async Task Unary_RpcExceptionWithDetails_ClientSeesCodeMessageDetailsAndTrailers()
    {
        using var call = _channel.UnaryAsync(TestMethods.GetUser, new GetUserRequest { UserId = "error-details" });
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync).DefaultTimeout();

        Assert.Equal(StatusCode.FailedPrecondition, ex.StatusCode);
        Assert.Equal("precondition failed: ünïcode % 100", ex.Status.Detail);
        var rpcStatus = ex.Status.GetRpcStatus();
        Assert.NotNull(rpcStatus);
        Assert.Equal("TEST_REASON", rpcStatus.Details.Single().Unpack<DebugInfo>().Detail);
        Assert.Equal("yes", ex.Trailers.GetValue("x-error-trailer"));
    }

    [Fact]
    public async Task Unary_HandlerThrows_UnknownWithoutExceptionText()
    {
        using var call = _channel.UnaryAsync(TestMethods.GetUser, new GetUserRequest { UserId = "throw" });
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync).DefaultTimeout();
        Assert.Equal(StatusCode.Unknown, ex.StatusCode);
        Assert.DoesNotContain("secret", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unary_UnknownMethod_Unimplemented()
    {
        using var call = _channel.UnaryAsync(TestMethods.Missing, new GetUserRequest());
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync).DefaultTimeout();
        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
    }

    [Fact]
    public async Task Unary_DeadlineWhileHandlerRuns_DeadlineExceededOnBothSides()
    {
        var testId = Guid.NewGuid().ToString("N");
        var seen = server.Service.ExpectCancellation(testId);
        using var call = _channel.UnaryAsync(
            TestMethods.GetUser,
            new GetUserRequest { UserId = "wait-for-cancel" },
            new CallOptions(Headers: new Metadata { { TestService.TestIdHeader, testId } }, Deadline: DateTime.UtcNow.AddMilliseconds(300)));

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync).DefaultTimeout();
        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        // Client and server deadlines race (the client's fires first and resets the stream); either way the handler's token fired.
        Assert.Contains(await seen.Task.DefaultTimeout(), new[] { "deadline", "cancelled" });
    }

    [Fact]
    public async Task Server_GrpcTimeoutExpires_SendsDeadlineExceededItself()
    {
        // A raw HTTP/2 client with no local deadline, so only the server's timer can end the call.
        var testId = Guid.NewGuid().ToString("N");
        var seen = server.Service.ExpectCancellation(testId);
        using var client = new HttpClient(new SocketsHttpHandler());
        var body = new byte[5 + new GetUserRequest { UserId = "wait-for-cancel" }.CalculateSize()];
        new GetUserRequest { UserId = "wait-for-cancel" }.WriteTo(body.AsSpan(5));
        body[4] = (byte)(body.Length - 5);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.Address, TestMethods.GetUser.FullName))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        request.Headers.TryAddWithoutValidation("grpc-timeout", "200m");
        request.Headers.TryAddWithoutValidation(TestService.TestIdHeader, testId);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).DefaultTimeout();
        await response.Content.ReadAsByteArrayAsync().DefaultTimeout();

        var status = response.Headers.TryGetValues("grpc-status", out var inHeaders) ? inHeaders.Single() : response.TrailingHeaders.GetValues("grpc-status").Single();
        Assert.Equal(((int)StatusCode.DeadlineExceeded).ToString(System.Globalization.CultureInfo.InvariantCulture), status);
        Assert.Equal("deadline", await seen.Task.DefaultTimeout());
    }

    [Fact]
    public async Task Unary_Deadline_ServerSeesIt()
    {
        using var call = _channel.UnaryAsync(TestMethods.GetUser, new GetUserRequest { UserId = "deadline-info" }, new CallOptions(Deadline: DateTime.UtcNow.AddSeconds(20)));
        var remaining = long.Parse((await call.ResponseAsync.DefaultTimeout()).DisplayName, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(remaining, 1, 20_000);
    }

    [Fact]
    public async Task Unary_ClientCancels_ServerTokenFiresAndClientSeesCancelled()
    {
        var testId = Guid.NewGuid().ToString("N");
        var seen = server.Service.ExpectCancellation(testId);
        using var cts = new CancellationTokenSource();
        using var call = _channel.UnaryAsync(
            TestMethods.GetUser,
            new GetUserRequest { UserId = "wait-for-cancel" },
            new CallOptions(Headers: new Metadata { { TestService.TestIdHeader, testId } }, CancellationToken: cts.Token));
        await call.ResponseHeadersAsync.DefaultTimeout();
        await cts.CancelAsync();

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync).DefaultTimeout();
        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
        Assert.Equal("cancelled", await seen.Task.DefaultTimeout());
    }

    [Fact]
    public async Task Unary_AlreadyExpiredDeadline_FailsWithoutSending()
    {
        using var call = _channel.UnaryAsync(TestMethods.GetUser, new GetUserRequest { UserId = "1" }, new CallOptions(Deadline: DateTime.UtcNow.AddSeconds(-1)));
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync).DefaultTimeout();
        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate")]
    public async Task Unary_Compression_BothWays(string algorithm)
    {
        var user = new User { UserId = "c", DisplayName = new string('z', 100_000), Labels = { ["compress"] = algorithm } };
        using var call = _channel.UnaryAsync(TestMethods.CreateUser, new CreateUserRequest { User = user }, new CallOptions(WriteCompression: algorithm));
        Assert.Equal(user, await call.ResponseAsync.DefaultTimeout());
    }

    [Fact]
    public async Task Unary_RequestOverServerLimit_ResourceExhausted()
    {
        var user = new User { UserId = "big", DisplayName = new string('x', 4 * 1024 * 1024 + 10) };
        using var call = _channel.UnaryAsync(TestMethods.CreateUser, new CreateUserRequest { User = user });
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync).DefaultTimeout();
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public async Task Unary_ResponseOverClientLimit_ResourceExhausted()
    {
        using var small = GrpcChannel.ForAddress(server.Address, new GrpcChannelOptions { MaxReceiveMessageSize = 1000 });
        var user = new User { UserId = "big", DisplayName = new string('x', 2000) };
        using var call = small.UnaryAsync(TestMethods.CreateUser, new CreateUserRequest { User = user });
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync).DefaultTimeout();
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public async Task ServerStreaming_ReadsEveryMessageThenOk()
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
    public async Task ServerStreaming_ErrorAfterMessages_MessagesThenStatusInTrailers()
    {
        using var call = _channel.ServerStreamingAsync(TestMethods.ListUsers, new ListUsersRequest { PageSize = 2, Plan = Plan.Enterprise });
        Assert.True(await call.ResponseStream.MoveNext().DefaultTimeout());
        Assert.True(await call.ResponseStream.MoveNext().DefaultTimeout());
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext()).DefaultTimeout();
        Assert.Equal(StatusCode.Aborted, ex.StatusCode);
        Assert.Equal("stream aborted after messages", ex.Status.Detail);
    }

    [Fact]
    public async Task ClientStreaming_SummarisesEveryRequest()
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
        Assert.Equal(["k0", "k1", "k2"], summary.ChargeIds);
    }

    [Fact]
    public async Task Duplex_EachRequestAnsweredBeforeTheNextIsSent()
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

    [Theory]
    [InlineData(503, StatusCode.Unavailable)]
    [InlineData(404, StatusCode.Unimplemented)]
    [InlineData(401, StatusCode.Unauthenticated)]
    [InlineData(403, StatusCode.PermissionDenied)]
    [InlineData(400, StatusCode.Internal)]
    [InlineData(418, StatusCode.Unknown)]
    public async Task Unary_NonOkHttpStatus_MapsPerSpecTable(int httpStatus, StatusCode expected)
    {
        using var channel = GrpcChannel.ForAddress(new Uri(server.Address, $"/http-status/{httpStatus}"));
        using var call = channel.UnaryAsync(TestMethods.GetUser, new GetUserRequest());
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync).DefaultTimeout();
        Assert.Equal(expected, ex.StatusCode);
    }

    [Theory]
    [InlineData(0x8, StatusCode.Cancelled)] // CANCEL
    [InlineData(0x7, StatusCode.Unavailable)] // REFUSED_STREAM
    [InlineData(0x2, StatusCode.Internal)] // INTERNAL_ERROR
    [InlineData(0xB, StatusCode.ResourceExhausted)] // ENHANCE_YOUR_CALM
    public async Task Unary_ServerResetsStream_MapsErrorCodePerSpec(int errorCode, StatusCode expected)
    {
        using var call = _channel.UnaryAsync(TestMethods.GetUser, new GetUserRequest { UserId = "reset:" + errorCode });
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync).DefaultTimeout();
        Assert.Equal(expected, ex.StatusCode);
    }

    [Theory]
    [InlineData("/no-status")]
    [InlineData("/not-grpc")]
    public async Task Unary_OkHttpButNoGrpcStatusOrContentType_Internal(string prefix)
    {
        using var channel = GrpcChannel.ForAddress(new Uri(server.Address, prefix));
        using var call = channel.UnaryAsync(TestMethods.GetUser, new GetUserRequest());
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync).DefaultTimeout();
        Assert.Equal(StatusCode.Internal, ex.StatusCode);
    }

    [Fact]
    public async Task Unary_ServerNeverAnswers_LocalDeadlineExceeded()
    {
        // A listener that accepts the connection and never speaks HTTP/2: only the client's own timer can end the call.
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var accepted = listener.AcceptSocketAsync();
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}");
        using var call = channel.UnaryAsync(TestMethods.GetUser, new GetUserRequest(), new CallOptions(Deadline: DateTime.UtcNow.AddMilliseconds(300)));

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync).DefaultTimeout();
        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        (await accepted.DefaultTimeout()).Dispose();
    }

    [Fact]
    public async Task ServerStreaming_DeadlineAfterMessages_DeadlineExceeded()
    {
        var testId = Guid.NewGuid().ToString("N");
        var seen = server.Service.ExpectCancellation(testId);
        using var call = _channel.ServerStreamingAsync(
            TestMethods.ListUsers,
            new ListUsersRequest { PageSize = 1, Plan = Plan.Pro },
            new CallOptions(Headers: new Metadata { { TestService.TestIdHeader, testId } }, Deadline: DateTime.UtcNow.AddMilliseconds(500)));
        Assert.True(await call.ResponseStream.MoveNext().DefaultTimeout());
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext()).DefaultTimeout();
        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        Assert.Contains(await seen.Task.DefaultTimeout(), new[] { "deadline", "cancelled" });
    }

    [Fact]
    public async Task Unary_ConnectionRefused_Unavailable()
    {
        // Bind then release a port so nothing listens on it.
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        using var call = channel.UnaryAsync(TestMethods.GetUser, new GetUserRequest());
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync).DefaultTimeout();
        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
    }

    [Fact]
    public async Task Server_NonGrpcContentType_Gets415()
    {
        using var client = new HttpClient(new SocketsHttpHandler()) { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var content = new ByteArrayContent([0, 0, 0, 0, 0]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await client.PostAsync(new Uri(server.Address, TestMethods.GetUser.FullName), content).DefaultTimeout();
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task Server_UnsupportedRequestEncoding_UnimplementedListingAcceptedEncodings()
    {
        using var client = new HttpClient(new SocketsHttpHandler()) { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.Address, TestMethods.GetUser.FullName))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent([1, 0, 0, 0, 0]),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("grpc-encoding", "snappy");
        using var response = await client.SendAsync(request).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("12", response.Headers.GetValues("grpc-status").Single());
        Assert.Contains("gzip", response.Headers.GetValues("grpc-accept-encoding").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_CompressedFlagWithoutEncoding_Internal()
    {
        using var client = new HttpClient(new SocketsHttpHandler()) { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.Address, TestMethods.GetUser.FullName))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent([1, 0, 0, 0, 0]),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        using var response = await client.SendAsync(request).DefaultTimeout();
        await response.Content.ReadAsByteArrayAsync().DefaultTimeout();
        var status = response.Headers.TryGetValues("grpc-status", out var inHeaders) ? inHeaders.Single() : response.TrailingHeaders.GetValues("grpc-status").Single();
        Assert.Equal("13", status);
    }

    [Fact]
    public async Task Health_CheckAndWatch_FollowRegistry()
    {
        var service = "svc-" + Guid.NewGuid().ToString("N");
        using var check = _channel.UnaryAsync(HealthServiceDefinition.CheckMethod, new HealthCheckRequest { Service = service });
        var notFound = await Assert.ThrowsAsync<RpcException>(() => check.ResponseAsync).DefaultTimeout();
        Assert.Equal(StatusCode.NotFound, notFound.StatusCode);

        using var watch = _channel.ServerStreamingAsync(HealthServiceDefinition.WatchMethod, new HealthCheckRequest { Service = service });
        Assert.True(await watch.ResponseStream.MoveNext().DefaultTimeout());
        Assert.Equal(ServingStatus.ServiceUnknown, watch.ResponseStream.Current.Status);

        server.Health.Set(service, ServingStatus.Serving);
        Assert.True(await watch.ResponseStream.MoveNext().DefaultTimeout());
        Assert.Equal(ServingStatus.Serving, watch.ResponseStream.Current.Status);
        server.Health.Set(service, ServingStatus.NotServing);
        Assert.True(await watch.ResponseStream.MoveNext().DefaultTimeout());
        Assert.Equal(ServingStatus.NotServing, watch.ResponseStream.Current.Status);

        var checkNow = await _channel.UnaryAsync(HealthServiceDefinition.CheckMethod, new HealthCheckRequest { Service = service }).ResponseAsync.DefaultTimeout();
        Assert.Equal(ServingStatus.NotServing, checkNow.Status);
    }
}
