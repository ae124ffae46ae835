using System.Net;
using System.Text.Json;
using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.Hosting;
using MeshProxy.TestSupport;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests;

/// <summary>Each listener serves only its own endpoints.</summary>
[Collection(SidecarCollection.Name)]
public sealed class ListenerTests(SidecarFixture fixture, ITestOutputHelper output) : SidecarTestBase(fixture, output)
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { UseProxy = false });

    [Fact]
    public async Task Ops_Probes_AreLiveAndReady()
    {
        var ops = Fixture.Proxy.Address(ListenerName.Ops);

        using var live = await Http.GetAsync(new Uri(ops, "/healthz/live")).DefaultTimeout();
        using var ready = await Http.GetAsync(new Uri(ops, "/healthz/ready")).DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Fact]
    public async Task Admin_Config_ReturnsLiveConfigWithVersion()
    {
        var admin = Fixture.Proxy.Address(ListenerName.Admin);

        var json = await Http.GetStringAsync(new Uri(admin, "/config")).DefaultTimeout();

        using var document = JsonDocument.Parse(json);
        Assert.Equal("functional-tests", document.RootElement.GetProperty("version").GetString());
        Assert.Equal("users-get", document.RootElement.GetProperty("routes").EnumerateArray().Single(r => r.GetProperty("name").GetString() == "users-get").GetProperty("name").GetString());
        Assert.Equal("300ms", document.RootElement.GetProperty("routes").EnumerateArray().Single(r => r.GetProperty("name").GetString() == "charge-with-timeout").GetProperty("timeout").GetString());
    }

    [Fact]
    public async Task Rest_UnknownPath_Is404WithGoogleRpcStatus()
    {
        var rest = Fixture.Proxy.Address(ListenerName.Rest);

        using var response = await Http.GetAsync(new Uri(rest, "/v1/users/1")).DefaultTimeout();
        var json = await response.Content.ReadAsStringAsync().DefaultTimeout();

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(json);
        Assert.Equal(5, document.RootElement.GetProperty("code").GetInt32());
        Assert.Contains("/v1/users/1", document.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, document.RootElement.GetProperty("details").GetArrayLength());
    }

    [Fact]
    public async Task Ops_AdminPath_IsNotServed()
    {
        var ops = Fixture.Proxy.Address(ListenerName.Ops);
        var admin = Fixture.Proxy.Address(ListenerName.Admin);

        using var configOnOps = await Http.GetAsync(new Uri(ops, "/config")).DefaultTimeout();
        using var probeOnAdmin = await Http.GetAsync(new Uri(admin, "/healthz/live")).DefaultTimeout();

        Assert.Equal(HttpStatusCode.NotFound, configOnOps.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, probeOnAdmin.StatusCode);
    }
}
