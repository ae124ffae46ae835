using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.TestSupport;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests;

/// <summary>Route precedence and header matching, seen by a real grpc-js client through the sidecar.</summary>
[Collection(SidecarCollection.Name)]
public sealed class RoutingTests(SidecarFixture fixture, ITestOutputHelper output) : SidecarTestBase(fixture, output)
{
    [Theory]
    [InlineData("/users.v1.UserService/GetUser", "b0")]            // exact method beats its service, listed later
    [InlineData("/users.v1.UserService/CreateUser", "b1")]         // whole service
    [InlineData("/inventory.v1.InventoryService/CheckStock", "b2")] // longer prefix beats shorter, listed later
    [InlineData("/inventory.v1.InventoryService/ReserveStock", "b3")] // a prefix beats a regex listed earlier
    [InlineData("/payments.v1.PaymentService/BatchCharge", "b4")]   // regex when nothing more specific matches
    public async Task Route_MostSpecificMatch_WinsRegardlessOfFileOrder(string method, string backend)
    {
        var result = await GrpcJsClient.CallAsync(Proxy, method, send: 1).DefaultTimeout();

        Output.WriteLine(result.ToString());
        Assert.Equal(0, result.Code);
        Assert.Equal(backend, result.Backend);
    }

    [Theory]
    [InlineData("x-tenant", "acme", "b2")]       // exact
    [InlineData("x-tenant", "beta-7", "b3")]     // prefix
    [InlineData("x-tenant", "gamma-12", "b4")]   // regex, whole value
    [InlineData("x-tenant", "gamma-12x", "b5")]  // regex must match the whole value: falls to the absent matcher
    [InlineData("x-tenant", "ACME", "b5")]       // values are case-sensitive
    [InlineData("x-debug", "1", "b0")]           // present: true
    [InlineData("x-blocked", "1", "b1")]         // present: false fails, so the service route takes it
    [InlineData("x-other", "1", "b5")]           // present: false holds
    public async Task HeaderMatcher_Condition_SelectsRoute(string header, string value, string backend)
    {
        var metadata = new Dictionary<string, string> { [header] = value };

        var result = await GrpcJsClient.CallAsync(Proxy, "/users.v1.UserService/UpdateUser", metadata).DefaultTimeout();

        Output.WriteLine(result.ToString());
        Assert.Equal(0, result.Code);
        Assert.Equal(backend, result.Backend);
    }

    [Fact]
    public async Task HeaderMatcher_HeaderNameInAnyCase_Matches()
    {
        // grpc-js lower-cases metadata keys; HTTP/2 requires lower case on the wire, so check the matcher side:
        // the config says x-tenant and the request carries x-tenant, which must match case-insensitively by name.
        var result = await GrpcJsClient.CallAsync(Proxy, "/users.v1.UserService/UpdateUser", new Dictionary<string, string> { ["X-Tenant"] = "acme" }).DefaultTimeout();

        Assert.Equal("b2", result.Backend);
    }

    [Theory]
    [InlineData(true, true, "b2")]   // two matchers beat one, although listed later
    [InlineData(true, false, "b3")]
    [InlineData(false, false, "b1")]
    public async Task Route_MoreHeaderMatchers_WinsAtSameSpecificity(bool tenant, bool region, string backend)
    {
        var metadata = new Dictionary<string, string>();
        if (tenant)
        {
            metadata["x-tenant"] = "acme";
        }

        if (region)
        {
            metadata["x-region"] = "eu";
        }

        var result = await GrpcJsClient.CallAsync(Proxy, "/users.v1.UserService/DeleteUser", metadata).DefaultTimeout();

        Assert.Equal(backend, result.Backend);
    }

    [Fact]
    public async Task Route_NoMatch_IsUnimplementedWithPath()
    {
        var result = await GrpcJsClient.CallAsync(Proxy, "/payments.v1.PaymentService/StreamTransactions").DefaultTimeout();

        Assert.Equal(12, result.Code);
        Assert.Equal("no route for /payments.v1.PaymentService/StreamTransactions", result.Details);
    }
}
