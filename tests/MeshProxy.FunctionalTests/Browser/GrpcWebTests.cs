using System.Net;
using System.Text;
using MeshProxy.Samples.Inventory.V1;
using MeshProxy.Samples.Users.V1;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.Browser;

/// <summary>gRPC-Web on the REST listener, on the wire: framing, trailers in the body, base64, refusals, and the gRPC listener's policies.</summary>
public sealed class GrpcWebTests(BrowserStackFixture stack) : IClassFixture<BrowserStackFixture>
{
    private const string GetUser = "/users.v1.UserService/GetUser";
    private const string ListUsers = "/users.v1.UserService/ListUsers";

    [Theory]
    [InlineData("application/grpc-web")]
    [InlineData("application/grpc-web+proto")]
    public async Task GrpcWebBinary_UnaryCall_MessageThenTrailerFrame(string contentType)
    {
        using var response = await stack.Http.SendAsync(GrpcWebWire.Request(stack.RestAddress, GetUser, new GetUserRequest { UserId = "u-1001" }, contentType)).DefaultTimeout();
        var (messages, trailers) = await GrpcWebWire.ReadAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(contentType, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Ada Lovelace", User.Parser.ParseFrom(Assert.Single(messages)).DisplayName);
        Assert.Equal("0", trailers["grpc-status"]);
        Assert.Equal("v1", response.Headers.GetValues("x-backend-version").Single());
    }

    [Fact]
    public async Task GrpcWebText_ServerStream_Base64MessagesThenTrailers()
    {
        using var response = await stack.Http.SendAsync(GrpcWebWire.Request(stack.RestAddress, ListUsers, new ListUsersRequest { PageSize = 3 }, "application/grpc-web-text", ("accept", "application/grpc-web-text"))).DefaultTimeout();
        var (messages, trailers) = await GrpcWebWire.ReadAsync(response);

        Assert.Equal("application/grpc-web-text", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(["u-1001", "u-1002", "u-1003"], messages.Select(m => User.Parser.ParseFrom(m).UserId));
        Assert.Equal("0", trailers["grpc-status"]);
    }

    [Fact]
    public async Task GrpcWeb_UpstreamError_TrailersOnlyStatusInHeaders()
    {
        using var response = await stack.Http.SendAsync(GrpcWebWire.Request(stack.RestAddress, GetUser, new GetUserRequest { UserId = "u-404" }, "application/grpc-web")).DefaultTimeout();
        var (messages, trailers) = await GrpcWebWire.ReadAsync(response);

        Assert.Empty(messages);
        Assert.Equal("5", GrpcWebWire.Status(response, trailers));
        Assert.Contains("u-404", response.Headers.GetValues("grpc-message").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GrpcWeb_FirstTryUnavailable_RetriedLikeTheGrpcListener()
    {
        const string Method = "/users.v1.UserService/UpdateUser";
        stack.Backend.Faults.Add("users.v1.UserService/UpdateUser:status=UNAVAILABLE,first=1");
        try
        {
            var before = stack.Backend.CallCount(Method);
            var request = new UpdateUserRequest { User = new User { UserId = "u-1005", DisplayName = "Edsger W. Dijkstra" }, UpdateMask = new() { Paths = { "display_name" } } };
            using var response = await stack.Http.SendAsync(GrpcWebWire.Request(stack.RestAddress, Method, request, "application/grpc-web-text")).DefaultTimeout();
            var (messages, trailers) = await GrpcWebWire.ReadAsync(response);

            Assert.Equal("0", trailers["grpc-status"]);
            Assert.Equal("Edsger W. Dijkstra", User.Parser.ParseFrom(Assert.Single(messages)).DisplayName);
            Assert.Equal(before + 2, stack.Backend.CallCount(Method));
        }
        finally
        {
            stack.Backend.Faults.Remove("users.v1.UserService/UpdateUser");
        }
    }

    [Fact]
    public async Task GrpcWeb_CallerDeadlinePasses_DeadlineExceededFromTheProxy()
    {
        using var response = await stack.Http.SendAsync(GrpcWebWire.Request(stack.RestAddress, BrowserStackFixture.SlowMethod, new CheckStockRequest { Sku = "sku-apple" }, "application/grpc-web", ("grpc-timeout", "200m"))).DefaultTimeout();
        var (messages, trailers) = await GrpcWebWire.ReadAsync(response);

        Assert.Empty(messages);
        Assert.Equal("4", GrpcWebWire.Status(response, trailers));
    }

    [Fact]
    public async Task GrpcWebText_BadBase64_InvalidArgumentAndNothingForwarded()
    {
        var before = stack.Backend.CallCount(GetUser);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(stack.RestAddress, GetUser)) { Content = new StringContent("AAAA!!!*", Encoding.ASCII) };
        request.Content.Headers.ContentType = new("application/grpc-web-text");
        using var response = await stack.Http.SendAsync(request).DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/grpc-web-text", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("3", response.Headers.GetValues("grpc-status").Single());
        Assert.Equal(before, stack.Backend.CallCount(GetUser));
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0 }, "13", "ends inside a message prefix")]
    [InlineData(new byte[] { 0, 0, 0, 0, 9, 10, 6 }, "13", "ends inside a message")]
    [InlineData(new byte[] { 7, 0, 0, 0, 0 }, "13", "invalid compressed flag")]
    [InlineData(new byte[] { 0, 0x7f, 0xff, 0xff, 0xff, 1, 2, 3 }, "8", "larger than the limit")]
    [InlineData(new byte[0], "13", "no message")]
    public async Task GrpcWeb_MalformedFrames_StatusAndNothingForwarded(byte[] body, string status, string message)
    {
        var before = stack.Backend.CallCount(GetUser);
        using var response = await stack.Http.SendAsync(GrpcWebWire.Request(stack.RestAddress, GetUser, body, "application/grpc-web")).DefaultTimeout();

        Assert.Equal(status, response.Headers.GetValues("grpc-status").Single());
        Assert.Contains(message, Uri.UnescapeDataString(response.Headers.GetValues("grpc-message").Single()), StringComparison.Ordinal);
        Assert.Equal(before, stack.Backend.CallCount(GetUser));
    }

    [Fact]
    public async Task GrpcWeb_BodyOverTheLimit_ResourceExhausted()
    {
        // The limit is 64 KiB (browser.maxRequestBodyBytes); the whole body is refused before it is buffered further.
        var body = GrpcFrames.Frame(new byte[100_000]);
        using var response = await stack.Http.SendAsync(GrpcWebWire.Request(stack.RestAddress, GetUser, body, "application/grpc-web")).DefaultTimeout();

        Assert.Equal("8", response.Headers.GetValues("grpc-status").Single());
    }

    [Fact]
    public async Task GrpcWebJson_NotForwarded_Unimplemented()
    {
        using var response = await stack.Http.SendAsync(GrpcWebWire.Request(stack.RestAddress, GetUser, Encoding.UTF8.GetBytes("{}"), "application/grpc-web+json")).DefaultTimeout();

        Assert.Equal("12", response.Headers.GetValues("grpc-status").Single());
    }

    [Fact]
    public async Task Rest_WithTheBrowserSection_StillTranscodes()
    {
        using var response = await stack.Http.GetAsync(new Uri(stack.RestAddress, "/v1/users/u-1002")).DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Grace Hopper", await response.Content.ReadAsStringAsync().DefaultTimeout(), StringComparison.Ordinal);
    }
}
