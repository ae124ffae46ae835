using System.Net;
using System.Text.Json;
using MeshProxy.Hosting;
using MeshProxy.SampleBackends;
using MeshProxy.TestSupport;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests.Transcoding;

/// <summary>Every non-default option of the transcoding: section, end to end, plus a deadline cutting a REST stream.</summary>
public sealed class TranscodingOptionsTests(ITestOutputHelper output) : IAsyncLifetime
{
    private SampleBackendHandle? _backend;
    private ScriptedBackend? _scripted;
    private MeshProxyServer? _proxy;
    private RestClient? _rest;

    private RestClient Rest => _rest!;

    public async Task InitializeAsync()
    {
        _backend = await SampleBackend.StartAsync(new SampleBackendOptions { Port = 0, Address = "127.0.0.1", Version = "v1" }).DefaultTimeout();
        _scripted = await ScriptedBackend.StartAsync().DefaultTimeout();
        _proxy = await MeshProxyServer.StartAsync($$"""
            listeners:
              grpc:  { address: 127.0.0.1, port: 0 }
              rest:  { address: 127.0.0.1, port: 0 }
              ops:   { address: 127.0.0.1, port: 0 }
              admin: { address: 127.0.0.1, port: 0 }
            routes:
              - name: test
                match: { method: /meshproxy.testing.v1.TranscodingTestService/* }
                cluster: scripted
              - name: all
                match: { prefix: / }
                cluster: v1
            clusters:
              v1: { destinations: [ { address: "http://127.0.0.1:{{_backend.Port}}" } ] }
              scripted: { destinations: [ { address: "http://127.0.0.1:{{_scripted.Port}}" } ] }
            transcoding:
              descriptorSets: [builtin]
              services: [users.v1.UserService, meshproxy.testing.v1.TranscodingTestService, grpc.health.v1.Health]
              unannotatedMethods: true
              print: { emitDefaultValues: false }
              parse: { rejectUnknownFields: true, rejectUnknownQueryParameters: true }
              responseMetadataPrefix: x-md-
            """, new XunitLoggerProvider(output)).DefaultTimeout();
        _rest = new RestClient(_proxy.Address(ListenerName.Rest));
    }

    public async Task DisposeAsync()
    {
        _rest?.Dispose();
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }

        if (_scripted is not null)
        {
            await _scripted.DisposeAsync();
        }

        if (_backend is not null)
        {
            await _backend.DisposeAsync();
        }
    }

    [Fact]
    public async Task EmitDefaultValuesOff_ZeroFields_AreOmitted()
    {
        using var response = await Rest.SendAsync(HttpMethod.Get, "/v1/users/u-1005").DefaultTimeout();

        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Edsger Dijkstra", json.RootElement.GetProperty("displayName").GetString());
        Assert.False(json.RootElement.TryGetProperty("storageBytes", out _));
    }

    [Fact]
    public async Task RejectUnknownFields_UnknownJsonField_Is400()
    {
        using var response = await Rest.SendAsync(HttpMethod.Post, "/v1/users", """{"displayName": "X", "shoeSize": 44}""").DefaultTimeout();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("shoeSize", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RejectUnknownQueryParameters_UnknownParameter_Is400()
    {
        using var response = await Rest.SendAsync(HttpMethod.Get, "/v1/users/u-1001?colour=blue").DefaultTimeout();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("colour", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnannotatedMethods_PostToGrpcPath_CallsTheMethod()
    {
        // grpc.health.v1.Health has no google.api.http rules: only unannotatedMethods exposes it.
        using var response = await Rest.SendAsync(HttpMethod.Post, "/grpc.health.v1.Health/Check", """{"service": ""}""").DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("SERVING", json.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Services_NotListed_HasNoRoutes()
    {
        using var response = await Rest.SendAsync(HttpMethod.Get, "/v1/inventory/sku-apple").DefaultTimeout();

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task ResponseMetadataPrefix_IsUsed()
    {
        using var response = await Rest.SendAsync(HttpMethod.Get, "/v1/users/u-1001").DefaultTimeout();

        Assert.Equal("v1", Assert.Single(response.Headers.GetValues("x-md-x-backend-version")));
        Assert.False(response.Headers.Contains("grpc-metadata-x-backend-version"));
    }

    [Fact]
    public async Task GrpcTimeoutHeader_ExpiresMidStream_EndsWithDeadlineExceededLine()
    {
        // The scripted stream sends one tick and then waits for a release that never comes: only the deadline ends it.
        // The deadline must outlast the first tick's trip through a busy machine (300 ms did not, about 1 run in 15
        // under a parallel test load: the call ended before any line, as 504); the stream itself never ends earlier.
        var run = $"held-{Guid.NewGuid():N}";
        using var response = await Rest.SendAsync(HttpMethod.Get, $"/v1/test/ticks/{run}?count=2", null, ("grpc-timeout", "2S")).DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        // index 0 is a default value, omitted with emitDefaultValues: false.
        Assert.Equal(run, JsonDocument.Parse(lines[0]).RootElement.GetProperty("result").GetProperty("run").GetString());
        Assert.False(JsonDocument.Parse(lines[0]).RootElement.GetProperty("result").TryGetProperty("index", out _));
        Assert.Equal(4, JsonDocument.Parse(lines[1]).RootElement.GetProperty("error").GetProperty("code").GetInt32());
    }
}
