using Google.Protobuf;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.Hosting;
using MeshProxy.Samples.Users.V1;
using MeshProxy.TestSupport;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace MeshProxy.FunctionalTests.Observability;

/// <summary>
/// grpc.health.v1.Health on the gRPC listener is the sidecar's own, even under a catch-all route: what Kubernetes
/// gRPC probes ask, here through grpc-dotnet's generated client. Each test has its own stack, since some stop or
/// drain the sidecar.
/// </summary>
public sealed class LocalHealthTests : IAsyncLifetime
{
    private const string CheckPath = "grpc.health.v1.Health/Check";

    private readonly CatchAllStack _stack = new();
    private GrpcChannel _channel = null!;
    private Health.HealthClient _health = null!;

    public async Task InitializeAsync()
    {
        await _stack.InitializeAsync();
        _channel = GrpcChannel.ForAddress(_stack.GrpcAddress);
        _health = new Health.HealthClient(_channel);
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _stack.DisposeAsync();
    }

    [Theory]
    [InlineData("")]
    [InlineData("meshproxy")]
    public async Task Check_Ready_ServingAndNotProxied(string service)
    {
        var response = await _health.CheckAsync(new HealthCheckRequest { Service = service }).ResponseAsync.DefaultTimeout();

        Assert.Equal(ServingStatus.Serving, response.Status);
        Assert.Equal(0, _stack.Backend.CallCount(CheckPath));
    }

    [Fact]
    public async Task Check_BackendService_NotFoundLocally()
    {
        // The backend does serve users.v1.UserService health, but the probe is about the sidecar.
        var error = await Assert.ThrowsAsync<RpcException>(() => _health.CheckAsync(new HealthCheckRequest { Service = "users.v1.UserService" }).ResponseAsync.DefaultTimeout());

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Equal(0, _stack.Backend.CallCount(CheckPath));
    }

    [Fact]
    public async Task UnknownHealthMethod_UnimplementedLocally()
    {
        var method = new Method<HealthCheckRequest, HealthCheckResponse>(
            MethodType.Unary,
            "grpc.health.v1.Health",
            "Nope",
            Marshallers.Create(r => r.ToByteArray(), HealthCheckRequest.Parser.ParseFrom),
            Marshallers.Create(r => r.ToByteArray(), HealthCheckResponse.Parser.ParseFrom));

        var error = await Assert.ThrowsAsync<RpcException>(() => _channel.CreateCallInvoker().AsyncUnaryCall(method, null, default, new HealthCheckRequest()).ResponseAsync.DefaultTimeout());

        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
        Assert.Equal(0, _stack.Backend.CallCount("grpc.health.v1.Health/Nope"));
    }

    [Fact]
    public async Task OtherServices_StillProxiedByTheCatchAll()
    {
        // grpc-dotnet's endpoint answers unknown services UNIMPLEMENTED; it must never see the proxied ones.
        var response = await _health.CheckAsync(new HealthCheckRequest()).ResponseAsync.DefaultTimeout();
        var user = await new UserService.UserServiceClient(_channel).GetUserAsync(new GetUserRequest { UserId = "u-1001" }).ResponseAsync.DefaultTimeout();

        Assert.Equal(ServingStatus.Serving, response.Status);
        Assert.Equal("u-1001", user.UserId);
        Assert.Equal(1, _stack.Backend.CallCount("users.v1.UserService/GetUser"));
    }

    [Fact]
    public async Task Check_GrpcJs_Serving()
    {
        var result = await GrpcJsClient.CallAsync(_stack.GrpcAddress, "/grpc.health.v1.Health/Check", request: new { service = "meshproxy" });

        Assert.Equal(0, result.Code);
        Assert.Equal("SERVING", result.Response?["status"]?.GetValue<string>());
    }

    [Fact]
    public async Task Watch_SidecarStopping_StreamsNotServing()
    {
        using var cts = new CancellationTokenSource();
        using var watch = _health.Watch(new HealthCheckRequest { Service = "" }, cancellationToken: cts.Token);
        Assert.Equal(ServingStatus.Serving, await NextStatusAsync(watch));

        // Stopping marks the sidecar not ready before Kestrel drains: the open watch hears it first.
        var stopping = _stack.Proxy.DisposeAsync().AsTask();
        Assert.Equal(ServingStatus.NotServing, await NextStatusAsync(watch));

        await cts.CancelAsync();
        await stopping.DefaultTimeout();
    }

    [Fact]
    public async Task Drain_Started_NotServingAtOnceWhileStillListening()
    {
        using var cts = new CancellationTokenSource();
        using var watch = _health.Watch(new HealthCheckRequest { Service = "meshproxy" }, cancellationToken: cts.Token);
        Assert.Equal(ServingStatus.Serving, await NextStatusAsync(watch));

        // The default propagation delay (5s) keeps the listeners open: a probe then hears NOT_SERVING, not a refusal.
        _ = _stack.Proxy.Drain.Start(DrainTrigger.DrainEndpoint);

        Assert.Equal(ServingStatus.NotServing, await NextStatusAsync(watch));
        var check = await _health.CheckAsync(new HealthCheckRequest()).ResponseAsync.DefaultTimeout();
        Assert.Equal(ServingStatus.NotServing, check.Status);
        await cts.CancelAsync();
    }

    private static async Task<ServingStatus> NextStatusAsync(AsyncServerStreamingCall<HealthCheckResponse> watch)
    {
        Assert.True(await watch.ResponseStream.MoveNext().DefaultTimeout(), "The watch ended.");
        return watch.ResponseStream.Current.Status;
    }

    private sealed class CatchAllStack() : SampleStack("v1")
    {
        internal global::MeshProxy.SampleBackends.SampleBackendHandle Backend => Backends[0];

        protected override string Config(IReadOnlyList<int> backendPorts) => $$"""
            {{LoopbackListeners}}
            routes:
              - name: everything
                match: { prefix: / }
                cluster: v1
            clusters:
              v1: { destinations: [ { address: "http://127.0.0.1:{{backendPorts[0]}}" } ] }
            """;
    }
}
