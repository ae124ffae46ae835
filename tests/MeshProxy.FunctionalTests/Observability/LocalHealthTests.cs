using Grpc.Core;
using Grpc.Health.V1;
using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.FunctionalTests.SampleBackends;
using MeshProxy.Hosting;
using MeshProxy.TestSupport;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace MeshProxy.FunctionalTests.Observability;

/// <summary>
/// grpc.health.v1.Health on the gRPC listener is the sidecar's own, even under a catch-all route: what Kubernetes
/// gRPC probes ask. Each test has its own stack, since one of them stops the sidecar.
/// </summary>
public sealed class LocalHealthTests : IAsyncLifetime
{
    private readonly CatchAllStack _stack = new();

    public Task InitializeAsync() => _stack.InitializeAsync();

    public Task DisposeAsync() => _stack.DisposeAsync();

    [Theory]
    [InlineData("")]
    [InlineData("meshproxy")]
    public async Task Check_Ready_ServingAndNotProxied(string service)
    {
        var response = await new Health.HealthClient(_stack.Channel).CheckAsync(new HealthCheckRequest { Service = service }).ResponseAsync.DefaultTimeout();

        Assert.Equal(ServingStatus.Serving, response.Status);
        Assert.Equal(0, _stack.Backend.CallCount("/grpc.health.v1.Health/Check"));
    }

    [Fact]
    public async Task Check_BackendService_NotFoundLocally()
    {
        // The backend does serve users.v1.UserService health, but the probe is about the sidecar.
        await GrpcAssert.FailsWith(
            StatusCode.NotFound,
            () => new Health.HealthClient(_stack.Channel).CheckAsync(new HealthCheckRequest { Service = "users.v1.UserService" }).ResponseAsync.DefaultTimeout());
        Assert.Equal(0, _stack.Backend.CallCount("/grpc.health.v1.Health/Check"));
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
        using var watch = new Health.HealthClient(_stack.Channel).Watch(new HealthCheckRequest { Service = "" }, cancellationToken: cts.Token);
        Assert.True(await watch.ResponseStream.MoveNext().DefaultTimeout());
        Assert.Equal(ServingStatus.Serving, watch.ResponseStream.Current.Status);

        // Stopping marks the sidecar not ready before Kestrel drains: the open watch hears it first.
        var stopping = _stack.Proxy.DisposeAsync().AsTask();
        Assert.True(await watch.ResponseStream.MoveNext().DefaultTimeout());
        Assert.Equal(ServingStatus.NotServing, watch.ResponseStream.Current.Status);

        await cts.CancelAsync();
        watch.Dispose();
        await stopping.DefaultTimeout();
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
