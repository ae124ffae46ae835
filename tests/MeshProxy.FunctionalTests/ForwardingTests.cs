using System.Net;
using System.Text;
using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.TestSupport;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests;

/// <summary>The four call kinds, statuses, metadata and streams through the sidecar, between grpc-js peers.</summary>
[Collection(SidecarCollection.Name)]
public sealed class ForwardingTests(SidecarFixture fixture, ITestOutputHelper output) : SidecarTestBase(fixture, output)
{
    [Fact]
    public async Task Unary_ThroughProxy_ReturnsMessageHeadersAndTrailers()
    {
        var result = await GrpcJsClient.CallAsync(Proxy, "/users.v1.UserService/GetUser").DefaultTimeout();

        Assert.Equal(0, result.Code);
        Assert.Equal(1, result.Messages);
        Assert.Equal("b0", result.Header("x-backend"));
        Assert.Equal("b0", result.Trailer("x-backend"));
    }

    [Fact]
    public async Task Unary_ThroughProxy_IsTransparent()
    {
        var result = await GrpcJsClient.CallAsync(Proxy, "/users.v1.UserService/GetUser").DefaultTimeout();

        // Like Envoy as a sidecar, :authority reaches the backend as the caller sent it (the proxy's address), and
        // the proxy adds no forwarding headers.
        Assert.Equal(Proxy.Authority, result.Header("x-authority"));
        Assert.Equal("none", result.Header("x-forwarding-headers"));
    }

    [Fact]
    public async Task ServerStreaming_ThroughProxy_DeliversEveryMessage()
    {
        var result = await GrpcJsClient.CallAsync(Proxy, "/users.v1.UserService/ListUsers", new Dictionary<string, string> { ["x-stream-count"] = "25" }).DefaultTimeout();

        Assert.Equal(0, result.Code);
        Assert.Equal(25, result.Messages);
    }

    [Fact]
    public async Task ClientStreaming_ThroughProxy_DeliversEveryMessage()
    {
        var result = await GrpcJsClient.CallAsync(Proxy, "/payments.v1.PaymentService/BatchCharge", send: 7).DefaultTimeout();

        Assert.Equal(0, result.Code);
        Assert.Equal(1, result.Messages);
        Assert.Equal("7", result.Trailer("x-received"));
    }

    [Fact]
    public async Task BidiStreaming_ThroughProxy_EchoesEveryMessage()
    {
        var result = await GrpcJsClient.CallAsync(Proxy, "/payments.v1.PaymentService/PaymentChat", send: 9).DefaultTimeout();

        Assert.Equal(0, result.Code);
        Assert.Equal(9, result.Messages);
        Assert.Equal("b4", result.Backend);
    }

    [Fact]
    public async Task TrailersOnly_FromBackend_PassesStatusMessageAndBinaryMetadata()
    {
        var message = "nö such user: 100% gone";
        var details = new byte[] { 0x00, 0x01, 0xfe, 0xff, 0x0a };
        var metadata = new Dictionary<string, object>
        {
            ["x-fail"] = "5",
            ["x-fail-message-bin"] = GrpcJsClient.Binary(Encoding.UTF8.GetBytes(message)),
            ["x-echo-bin"] = GrpcJsClient.Binary(details),
        };

        var result = await GrpcJsClient.CallAsync(Proxy, "/users.v1.UserService/GetUser", metadata).DefaultTimeout();

        Output.WriteLine(result.ToString());
        Assert.Equal(5, result.Code);
        Assert.Equal(message, result.Details);
        Assert.Equal(details, result.BinaryTrailer("x-echo-bin"));
        Assert.Equal(details, result.BinaryTrailer("grpc-status-details-bin"));
        Assert.Equal("b0", result.Trailer("x-backend"));
    }

    [Fact]
    public async Task TrailersOnly_FromBackend_StaysTrailersOnlyOnTheWire()
    {
        // The same failing call sent straight to the backend and through the proxy: the proxy's reply must be a
        // Trailers-Only reply too, with grpc-message bytes exactly as the backend encoded them.
        var backend = new Uri($"http://127.0.0.1:{Fixture.Backends.Ports[0]}");
        var direct = await TrailersOnlyAsync(backend);
        var proxied = await TrailersOnlyAsync(Proxy);

        Assert.Equal("7", proxied.Status);
        Assert.Equal(direct.Message, proxied.Message);
        Assert.Equal("50% denied", MeshProxy.Grpc.GrpcMessageEncoding.Decode(proxied.Message));
    }

    private static async Task<(string Status, string Message)> TrailersOnlyAsync(Uri target)
    {
        using var client = GrpcHttp.CreateClient();
        using var request = GrpcHttp.UnaryRequest(target, "/users.v1.UserService/GetUser", ("x-fail", "7"), ("x-fail-message-bin", Convert.ToBase64String(Encoding.UTF8.GetBytes("50% denied"))));

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).DefaultTimeout();
        var body = await response.Content.ReadAsByteArrayAsync().DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(body);
        Assert.False(response.TrailingHeaders.Contains("grpc-status"));
        return (response.Headers.GetValues("grpc-status").Single(), response.Headers.GetValues("grpc-message").Single());
    }

    [Fact]
    public async Task UpstreamDown_IsUnavailable()
    {
        var result = await GrpcJsClient.CallAsync(Proxy, "/inventory.v1.InventoryService/StreamInventoryUpdates").DefaultTimeout();

        Assert.Equal(14, result.Code);
        Assert.Contains("down", result.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConcurrentStreams_OnOneConnection_AreMultiplexed()
    {
        // 200 calls on one grpc-js channel (one HTTP/2 connection) that each wait at the backend: they only all
        // complete together if the proxy admits them concurrently (Kestrel's default is 100 streams).
        var results = await GrpcJsClient.CallManyAsync(Proxy, "/users.v1.UserService/GetUser", 200, new Dictionary<string, string> { ["x-sleep-ms"] = "1000" }).DefaultTimeout();

        Assert.All(results, r => Assert.Equal(0, r.Code));
        var maxInFlight = results.Max(r => int.Parse(r.Trailer("x-inflight")!, System.Globalization.CultureInfo.InvariantCulture));
        Output.WriteLine($"max in flight at the backend: {maxInFlight}");
        Assert.True(maxInFlight > 100, $"only {maxInFlight} calls were in flight together");
    }

    [Fact]
    public async Task NonGrpcRequest_OnGrpcListener_Is415()
    {
        using var client = GrpcHttp.CreateClient();
        using var request = GrpcHttp.UnaryRequest(Proxy, "/users.v1.UserService/GetUser");
        request.Content!.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");

        using var response = await client.SendAsync(request).DefaultTimeout();

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }
}
