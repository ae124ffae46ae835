using System.Net;
using MeshProxy.Cli;
using MeshProxy.Hosting;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.Cli;

/// <summary>The demo's reflection lines and page addresses work against the demo's own config (reflection on).</summary>
public sealed class DemoFacesTests(DemoStackFixture stack) : IClassFixture<DemoStackFixture>
{
    [Fact]
    public async Task DemoReflection_ListAndListService_ServicesOfTheDemoRoutes()
    {
        var authority = stack.Proxy.Address(ListenerName.Grpc).Authority;

        var services = await CallRunner.RunAsync([authority, "list"]);
        var methods = await CallRunner.RunAsync([authority, "list", "users.v1.UserService"]);

        Assert.True(services.ExitCode == ExitCodes.Ok, services.ToString());
        var lines = services.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(
            ["grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection", "inventory.v1.InventoryService", "payments.v1.PaymentService", "users.v1.UserService"],
            lines);
        Assert.True(methods.ExitCode == ExitCodes.Ok, methods.ToString());
        Assert.Contains("users.v1.UserService/GetUser", methods.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DemoPages_DocsAndAdmin_ServeHtml()
    {
        using var http = new HttpClient();

        using var docs = await http.GetAsync(new Uri(stack.Proxy.Address(ListenerName.Rest), "/docs")).DefaultTimeout();
        using var admin = await http.GetAsync(new Uri(stack.Proxy.Address(ListenerName.Admin), "/")).DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, docs.StatusCode);
        Assert.Equal("text/html", docs.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
        Assert.Equal("text/html", admin.Content.Headers.ContentType?.MediaType);
    }
}
