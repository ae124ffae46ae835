using System.Net;
using MeshProxy.Samples.Users.V1;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.Browser;

/// <summary>The CORS policy of the REST listener (browser.cors), as a browser's preflight and actual requests see it.</summary>
public sealed class CorsTests(BrowserStackFixture stack) : IClassFixture<BrowserStackFixture>
{
    private const string GetUser = "/users.v1.UserService/GetUser";

    [Fact]
    public async Task Preflight_AllowedOrigin_204WithTheAllowances()
    {
        using var response = await PreflightAsync(BrowserStackFixture.AllowedOrigin, "content-type,x-grpc-web,x-user-agent,grpc-timeout");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(BrowserStackFixture.AllowedOrigin, Header(response, "access-control-allow-origin"));
        Assert.Contains("POST", Header(response, "access-control-allow-methods"), StringComparison.Ordinal);
        var allowed = Header(response, "access-control-allow-headers")!.Split(", ");
        Assert.Contains("x-grpc-web", allowed);
        Assert.Contains("connect-protocol-version", allowed);
        Assert.Contains("x-tenant", allowed);
        Assert.Equal("300", Header(response, "access-control-max-age"));
        Assert.Contains("Origin", Header(response, "vary"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Preflight_OtherOrigin_403WithoutAllowances()
    {
        using var response = await PreflightAsync("http://evil.example", "content-type");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Null(Header(response, "access-control-allow-origin"));
    }

    [Fact]
    public async Task GrpcWebCall_AllowedOrigin_StatusHeadersExposed()
    {
        using var response = await stack.Http.SendAsync(GrpcWebWire.Request(stack.RestAddress, GetUser, new GetUserRequest { UserId = "u-404" }, "application/grpc-web", ("origin", BrowserStackFixture.AllowedOrigin))).DefaultTimeout();

        // A Trailers-Only reply: the page reads grpc-status from the headers, so they must be exposed.
        Assert.Equal("5", Header(response, "grpc-status"));
        Assert.Equal(BrowserStackFixture.AllowedOrigin, Header(response, "access-control-allow-origin"));
        var exposed = Header(response, "access-control-expose-headers")!.Split(", ");
        Assert.Contains("grpc-status", exposed);
        Assert.Contains("grpc-message", exposed);
        Assert.Contains("grpc-status-details-bin", exposed);
        Assert.Contains("x-backend-version", exposed);
    }

    [Fact]
    public async Task GrpcWebCall_OtherOrigin_NoCorsHeaders()
    {
        using var response = await stack.Http.SendAsync(GrpcWebWire.Request(stack.RestAddress, GetUser, new GetUserRequest { UserId = "u-1001" }, "application/grpc-web", ("origin", "http://evil.example"))).DefaultTimeout();

        // The server still answers (CORS is the browser's to enforce); it grants nothing.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(Header(response, "access-control-allow-origin"));
        Assert.Null(Header(response, "access-control-expose-headers"));
    }

    [Fact]
    public async Task RestCall_AllowedOrigin_GetsCorsHeadersToo()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(stack.RestAddress, "/v1/users/u-1001"));
        request.Headers.TryAddWithoutValidation("origin", BrowserStackFixture.AllowedOrigin);
        using var response = await stack.Http.SendAsync(request).DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(BrowserStackFixture.AllowedOrigin, Header(response, "access-control-allow-origin"));
    }

    private Task<HttpResponseMessage> PreflightAsync(string origin, string headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, new Uri(stack.RestAddress, GetUser));
        request.Headers.TryAddWithoutValidation("origin", origin);
        request.Headers.TryAddWithoutValidation("access-control-request-method", "POST");
        request.Headers.TryAddWithoutValidation("access-control-request-headers", headers);
        return stack.Http.SendAsync(request).DefaultTimeout();
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values) ? string.Join(", ", values) : null;
}
