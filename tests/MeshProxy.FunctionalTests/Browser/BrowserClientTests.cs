using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.Browser;

/// <summary>
/// Clients nobody here wrote, through the sidecar's REST listener to the sample backend: @connectrpc/connect-web's
/// gRPC-Web and Connect transports (on Node's fetch), @connectrpc/connect-node's, and the grpc-web npm package (on
/// XMLHttpRequest from xhr2), in text and binary mode. Each case runs for every client.
/// </summary>
public sealed class BrowserClientTests(BrowserStackFixture stack) : IClassFixture<BrowserStackFixture>
{
    public static TheoryData<string> Kinds => BrowserClient.Kinds;

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Unary_Succeeds(string kind)
    {
        var result = await BrowserClient.CallAsync(stack.RestAddress, kind, "/users.v1.UserService/GetUser", new { userId = "u-1002" });

        Assert.True(result.Code == 0, result.ToString());
        Assert.Equal("Grace Hopper", Assert.Single(result.Messages)!["displayName"]!.GetValue<string>());
        Assert.Equal("PLAN_PRO", result.Messages[0]!["plan"]!.GetValue<string>());
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task ServerStream_EveryMessageInOrder(string kind)
    {
        var result = await BrowserClient.CallAsync(stack.RestAddress, kind, "/users.v1.UserService/ListUsers", new { pageSize = 4 });

        Assert.True(result.Code == 0, result.ToString());
        Assert.Equal(["u-1001", "u-1002", "u-1003", "u-1004"], result.Messages.Select(m => m!["userId"]!.GetValue<string>()));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task UpstreamError_CodeAndMessage(string kind)
    {
        var result = await BrowserClient.CallAsync(stack.RestAddress, kind, "/users.v1.UserService/GetUser", new { userId = "u-404" });

        Assert.True(result.Code == 5, result.ToString());
        Assert.Contains("u-404", result.Message, StringComparison.Ordinal);
        Assert.Empty(result.Messages);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Metadata_BothWays(string kind)
    {
        var tenant = $"t-{Guid.NewGuid():N}";
        var result = await BrowserClient.CallAsync(stack.RestAddress, kind, "/inventory.v1.InventoryService/ReserveStock", new { sku = "sku-banana", quantity = 1 }, new Dictionary<string, string> { ["x-tenant"] = tenant });

        Assert.True(result.Code == 0, result.ToString());
        Assert.Equal(tenant, stack.Backend.LastCall("/inventory.v1.InventoryService/ReserveStock")!.Header("x-tenant"));
        Assert.Equal("v1", result.Metadata("x-backend-version"));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Deadline_PassesBeforeTheAnswer_DeadlineExceeded(string kind)
    {
        var result = await BrowserClient.CallAsync(stack.RestAddress, kind, BrowserStackFixture.SlowMethod, new { sku = "sku-apple" }, timeoutMs: 300);

        Assert.True(result.Code == 4, result.ToString());
    }
}
