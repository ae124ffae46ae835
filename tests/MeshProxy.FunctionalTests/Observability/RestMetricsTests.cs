using System.Net;
using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.TestSupport;
using static MeshProxy.FunctionalTests.Observability.MetricsSample;

namespace MeshProxy.FunctionalTests.Observability;

/// <summary>
/// The <c>protocol</c> label through a real sidecar: a REST call transcoded to gRPC is counted as <c>rest</c>, a call
/// on the gRPC listener as <c>grpc</c>, each once, on the route it took.
/// </summary>
public sealed class RestMetricsTests : IAsyncLifetime
{
    private readonly MetricsStack _stack = new();
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false });

    public Task InitializeAsync() => _stack.InitializeAsync();

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _stack.DisposeAsync();
    }

    [Fact]
    public async Task Requests_RestAndGrpcCalls_LabelledByProtocol()
    {
        using (var found = await _http.GetAsync(new Uri(_stack.RestAddress, "/v1/users/u-1001")).DefaultTimeout())
        {
            Assert.Equal(HttpStatusCode.OK, found.StatusCode);
        }

        using (var missing = await _http.GetAsync(new Uri(_stack.RestAddress, "/v1/users/nobody")).DefaultTimeout())
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        using var grpc = GrpcHttp.CreateClient();
        using (var response = await grpc.SendAsync(GrpcHttp.UnaryRequest(_stack.GrpcAddress, "/inventory.v1.InventoryService/GetItem")).DefaultTimeout())
        {
            await response.Content.ReadAsByteArrayAsync().DefaultTimeout();
            Assert.Equal("14", GrpcHttp.Status(response));
        }

        var samples = await ScrapeUntilAsync(_http, _stack.OpsAddress, s => Sum(s, "meshproxy_requests_total") == 3 && Sum(s, "meshproxy_requests_active") == 0);

        Assert.Equal(1, Sum(samples, "meshproxy_requests_total", ("protocol", "rest"), ("route", "users"), ("grpc_status", "OK")));
        Assert.Equal(1, Sum(samples, "meshproxy_requests_total", ("protocol", "rest"), ("route", "users"), ("grpc_status", "NOT_FOUND")));
        Assert.Equal(2, Sum(samples, "meshproxy_request_duration_seconds_count", ("protocol", "rest")));
        Assert.Equal(1, Sum(samples, "meshproxy_requests_total", ("protocol", "grpc"), ("route", "dead"), ("grpc_status", "UNAVAILABLE")));
        Assert.Equal(1, Sum(samples, "meshproxy_requests_total", ("protocol", "grpc")));
        Assert.Equal(1, Sum(samples, "meshproxy_transcoding_requests_total", ("route", "users"), ("http_status", "200")));
        Assert.Equal(1, Sum(samples, "meshproxy_transcoding_requests_total", ("route", "users"), ("http_status", "404")));
        Assert.Equal(0, Sum(samples, "meshproxy_requests_active", ("protocol", "rest")));
    }
}
