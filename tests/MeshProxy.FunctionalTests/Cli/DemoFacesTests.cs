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

    [Fact]
    public async Task DemoBrowserLines_ConnectJsonAndGrpcWebText_AnswerTheUser()
    {
        using var http = new HttpClient();
        var url = new Uri(stack.Proxy.Address(ListenerName.Rest), "/users.v1.UserService/GetUser");

        // The two requests the demo prints, byte for byte.
        using var connect = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent("""{"userId":"u-1001"}""") };
        connect.Content.Headers.ContentType = new("application/json");
        connect.Headers.Add("connect-protocol-version", "1");
        using var grpcWeb = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent("AAAAAAgKBnUtMTAwMQ==") };
        grpcWeb.Content.Headers.ContentType = new("application/grpc-web-text");
        grpcWeb.Headers.Add("accept", "application/grpc-web-text");

        using var connectReply = await http.SendAsync(connect).DefaultTimeout();
        using var grpcWebReply = await http.SendAsync(grpcWeb).DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, connectReply.StatusCode);
        Assert.Contains("Ada Lovelace", await connectReply.Content.ReadAsStringAsync().DefaultTimeout(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, grpcWebReply.StatusCode);
        var decoded = GrpcWebText(await grpcWebReply.Content.ReadAsStringAsync().DefaultTimeout());
        Assert.Contains("Ada Lovelace", decoded, StringComparison.Ordinal);
        Assert.Contains("grpc-status:0", decoded.Replace(" ", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }

    // gRPC-Web text may be several base64 chunks, each padded on its own (PROTOCOL-WEB.md).
    private static string GrpcWebText(string body)
    {
        var bytes = new List<byte>();
        var rest = body.AsSpan().Trim();
        while (rest.Length > 0)
        {
            var end = rest.IndexOf('=');
            var length = end < 0 ? rest.Length : end;
            while (length < rest.Length && rest[length] == '=')
            {
                length++;
            }

            bytes.AddRange(Convert.FromBase64String(rest[..length].ToString()));
            rest = rest[length..];
        }

        return System.Text.Encoding.Latin1.GetString(bytes.ToArray());
    }
}
