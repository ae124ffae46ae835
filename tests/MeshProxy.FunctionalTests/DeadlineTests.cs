using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.TestSupport;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests;

/// <summary>Deadlines and cancellation: the proxy ends the call and the backend sees it cancelled.</summary>
[Collection(SidecarCollection.Name)]
public sealed class DeadlineTests(SidecarFixture fixture, ITestOutputHelper output) : SidecarTestBase(fixture, output)
{
    [Fact]
    public async Task GrpcTimeout_Expires_ProxyAnswersDeadlineExceededAndCancelsUpstream()
    {
        // No client-side deadline here: only the proxy enforces the grpc-timeout header.
        var id = Guid.NewGuid().ToString("N");
        using var client = GrpcHttp.CreateClient();
        using var request = GrpcHttp.UnaryRequest(Proxy, "/users.v1.UserService/GetUser", ("grpc-timeout", "200m"), ("x-sleep-ms", "20000"), ("x-record-cancel", id));

        using var response = await client.SendAsync(request).DefaultTimeout();

        Assert.Equal("4", GrpcHttp.Status(response));
        await Fixture.Backends.WaitForCancellationAsync(id).DefaultTimeout();
    }

    [Fact]
    public async Task RouteTimeout_Expires_DeadlineExceededAndUpstreamCancelled()
    {
        var id = Guid.NewGuid().ToString("N");
        var metadata = new Dictionary<string, string> { ["x-sleep-ms"] = "20000", ["x-record-cancel"] = id };

        var result = await GrpcJsClient.CallAsync(Proxy, "/payments.v1.PaymentService/ChargeCard", metadata).DefaultTimeout();

        Assert.Equal(4, result.Code);
        Assert.Equal("deadline exceeded at the proxy", result.Details);
        await Fixture.Backends.WaitForCancellationAsync(id).DefaultTimeout();
    }

    [Fact]
    public async Task ClientDeadline_Expires_BackendSeesCancellation()
    {
        var id = Guid.NewGuid().ToString("N");
        var metadata = new Dictionary<string, string> { ["x-sleep-ms"] = "20000", ["x-record-cancel"] = id };

        var result = await GrpcJsClient.CallAsync(Proxy, "/users.v1.UserService/GetUser", metadata, deadlineMs: 300).DefaultTimeout();

        Assert.Equal(4, result.Code);
        await Fixture.Backends.WaitForCancellationAsync(id).DefaultTimeout();
    }

    [Fact]
    public async Task ClientCancel_ReachesBackend()
    {
        var id = Guid.NewGuid().ToString("N");
        var metadata = new Dictionary<string, string> { ["x-sleep-ms"] = "20000", ["x-record-cancel"] = id };

        var result = await GrpcJsClient.CallAsync(Proxy, "/users.v1.UserService/ListUsers", metadata, cancelAfterMs: 300).DefaultTimeout();

        Assert.Equal(1, result.Code);
        Assert.Equal("cancel", await Fixture.Backends.WaitForCancellationAsync(id).DefaultTimeout());
    }

    [Fact]
    public async Task GrpcTimeout_Forwarded_IsTimeLeft()
    {
        // The backend reports the deadline it derived from the grpc-timeout it received: the proxy sent the time
        // left, which is positive and no more than the caller's 30 seconds.
        using var client = GrpcHttp.CreateClient();
        using var request = GrpcHttp.UnaryRequest(Proxy, "/users.v1.UserService/GetUser", ("grpc-timeout", "30S"));

        using var response = await client.SendAsync(request).DefaultTimeout();
        _ = await response.Content.ReadAsByteArrayAsync().DefaultTimeout();

        Assert.Equal("0", GrpcHttp.Status(response));
        var left = int.Parse(response.Headers.GetValues("x-deadline-left-ms").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(left, 1, 30_000);
    }

    [Fact]
    public async Task NoDeadline_NoneForwarded()
    {
        using var client = GrpcHttp.CreateClient();
        using var request = GrpcHttp.UnaryRequest(Proxy, "/users.v1.UserService/GetUser");

        using var response = await client.SendAsync(request).DefaultTimeout();
        _ = await response.Content.ReadAsByteArrayAsync().DefaultTimeout();

        Assert.Equal("none", response.Headers.GetValues("x-deadline-left-ms").Single());
    }
}
