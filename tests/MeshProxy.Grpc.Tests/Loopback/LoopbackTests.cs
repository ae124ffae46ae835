using System.Net;
using System.Net.Http.Headers;
using Grpc.Health.V1;
using MeshProxy.Grpc.Client;
using MeshProxy.Grpc.Health;
using MeshProxy.Grpc.Tests.Client;
using MeshProxy.Grpc.Tests.Infrastructure;
using MeshProxy.Samples.Users.V1;
using MeshProxy.TestSupport;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace MeshProxy.Grpc.Tests.Loopback;

/// <summary>
/// Our client against our server over real sockets on 127.0.0.1: the shared <see cref="ClientContractTests"/>, plus what only
/// our server can show (its own deadline timer, request validation, resets, non-gRPC answers, health).
/// </summary>
public sealed class LoopbackTests(GrpcServerFixture server) : ClientContractTests(server.Address), IClassFixture<GrpcServerFixture>
{
    protected override bool ServerSendsExceptionText => false;

    protected override bool ServerExposesUserAgent => false;

    /// <summary>The handler's token is observed in-process, so the wait is registered before the call starts.</summary>
    protected override Func<Task<string>> WatchServerCancellation(string testId)
    {
        var seen = server.Service.ExpectCancellation(testId);
        return () => seen.Task;
    }

    [Fact]
    public async Task Server_GrpcTimeoutExpires_SendsDeadlineExceededItself()
    {
        // A raw HTTP/2 client with no local deadline, so only the server's timer can end the call.
        var testId = Guid.NewGuid().ToString("N");
        var seen = server.Service.ExpectCancellation(testId);
        using var client = new HttpClient(new SocketsHttpHandler());
        using var request = RawGrpcRequest.Create(server.Address, TestMethods.GetUser.FullName, RawGrpcRequest.Frame(new GetUserRequest { UserId = "wait-for-cancel" }));
        request.Headers.TryAddWithoutValidation("grpc-timeout", "200m");
        request.Headers.TryAddWithoutValidation(TestService.TestIdHeader, testId);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).DefaultTimeout();
        await response.Content.ReadAsByteArrayAsync().DefaultTimeout();

        var status = RawGrpcRequest.StatusOf(response);
        Assert.Equal(((int)StatusCode.DeadlineExceeded).ToString(System.Globalization.CultureInfo.InvariantCulture), status);
        Assert.Equal("deadline", await seen.Task.DefaultTimeout());
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
        using var call = Channel.UnaryAsync(TestMethods.GetUser, new GetUserRequest { UserId = "reset:" + errorCode });
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
        using var client = new HttpClient(new SocketsHttpHandler());
        using var request = RawGrpcRequest.Create(server.Address, TestMethods.GetUser.FullName, [1, 0, 0, 0, 0]);
        request.Headers.TryAddWithoutValidation("grpc-encoding", "snappy");
        using var response = await client.SendAsync(request).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // Trailers-Only: the status and the accepted encodings come in the headers (gRPC compression spec, "Test cases").
        Assert.Equal("12", response.Headers.GetValues("grpc-status").Single());
        Assert.Contains("gzip", response.Headers.GetValues("grpc-accept-encoding").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_CompressedFlagWithoutEncoding_Internal()
    {
        using var client = new HttpClient(new SocketsHttpHandler());
        using var request = RawGrpcRequest.Create(server.Address, TestMethods.GetUser.FullName, [1, 0, 0, 0, 0]);
        using var response = await client.SendAsync(request).DefaultTimeout();
        await response.Content.ReadAsByteArrayAsync().DefaultTimeout();
        Assert.Equal("13", RawGrpcRequest.StatusOf(response));
    }

    [Fact]
    public async Task Health_CheckAndWatch_FollowRegistry()
    {
        var service = "svc-" + Guid.NewGuid().ToString("N");
        using var check = Channel.UnaryAsync(HealthServiceDefinition.CheckMethod, new HealthCheckRequest { Service = service });
        var notFound = await Assert.ThrowsAsync<RpcException>(() => check.ResponseAsync).DefaultTimeout();
        Assert.Equal(StatusCode.NotFound, notFound.StatusCode);

        using var watch = Channel.ServerStreamingAsync(HealthServiceDefinition.WatchMethod, new HealthCheckRequest { Service = service });
        Assert.True(await watch.ResponseStream.MoveNext().DefaultTimeout());
        Assert.Equal(ServingStatus.ServiceUnknown, watch.ResponseStream.Current.Status);

        server.Health.Set(service, ServingStatus.Serving);
        Assert.True(await watch.ResponseStream.MoveNext().DefaultTimeout());
        Assert.Equal(ServingStatus.Serving, watch.ResponseStream.Current.Status);
        server.Health.Set(service, ServingStatus.NotServing);
        Assert.True(await watch.ResponseStream.MoveNext().DefaultTimeout());
        Assert.Equal(ServingStatus.NotServing, watch.ResponseStream.Current.Status);

        var checkNow = await Channel.UnaryAsync(HealthServiceDefinition.CheckMethod, new HealthCheckRequest { Service = service }).ResponseAsync.DefaultTimeout();
        Assert.Equal(ServingStatus.NotServing, checkNow.Status);
    }
}
