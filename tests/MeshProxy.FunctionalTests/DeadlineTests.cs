using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.TestSupport;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests;

/// <summary>Deadlines and cancellation: the proxy ends the call and the backend sees it cancelled.</summary>
[Collection(SidecarCollection.Name)]
public sealed class DeadlineTests(SidecarFixture fixture, ITestOutputHelper output) : SidecarTestBase(fixture, output)
{
    [Fact]
    public async Task GrpcTimeout_BackendIgnoresIt_ProxyAnswersDeadlineExceededAndCancelsUpstream()
    {
        // No client-side deadline and a backend that ignores grpc-timeout: only the proxy can end this call.
        var id = Guid.NewGuid().ToString("N");
        using var client = GrpcHttp.CreateClient();
        using var request = GrpcHttp.UnaryRequest(Proxy, "/hang.v1.Hang/Call", ("grpc-timeout", "200m"), ("x-record-cancel", id));

        using var response = await client.SendAsync(request).DefaultTimeout();

        Assert.Equal("4", GrpcHttp.Status(response));
        Assert.Equal("deadline exceeded at the proxy", response.Headers.GetValues("grpc-message").Single());
        var forwarded = await Fixture.Hanging.WaitForAbortAsync(id).DefaultTimeout();
        Assert.NotNull(forwarded);
        Assert.True(MeshProxy.Grpc.GrpcTimeout.TryParse(forwarded, out var left) && left > TimeSpan.Zero && left <= TimeSpan.FromMilliseconds(200), forwarded);
    }

    [Fact]
    public async Task RouteTimeout_BackendIgnoresIt_DeadlineExceededAndUpstreamCancelled()
    {
        var id = Guid.NewGuid().ToString("N");

        var result = await GrpcJsClient.CallAsync(Proxy, "/hang.v1.Hang/WithRouteTimeout", new Dictionary<string, string> { ["x-record-cancel"] = id }).DefaultTimeout();

        Assert.Equal(4, result.Code);
        Assert.Equal("deadline exceeded at the proxy", result.Details);
        var forwarded = await Fixture.Hanging.WaitForAbortAsync(id).DefaultTimeout();
        Assert.True(MeshProxy.Grpc.GrpcTimeout.TryParse(forwarded, out var left) && left > TimeSpan.Zero && left <= TimeSpan.FromMilliseconds(300), forwarded);
    }

    [Fact]
    public async Task RouteTimeout_GrpcJsBackend_CallEndsWithDeadlineExceeded()
    {
        // grpc-js enforces the grpc-timeout the proxy forwarded, so either side may end the call first: the caller
        // gets DEADLINE_EXCEEDED and the backend knows the call ended, by RST_STREAM or by its own deadline.
        var id = Guid.NewGuid().ToString("N");
        var metadata = new Dictionary<string, string> { ["x-sleep-ms"] = "20000", ["x-record-cancel"] = id };

        var result = await GrpcJsClient.CallAsync(Proxy, "/payments.v1.PaymentService/ChargeCard", metadata).DefaultTimeout();

        Assert.Equal(4, result.Code);
        await Fixture.Backends.WaitForCancellationAsync(id).DefaultTimeout();
    }

    [Fact]
    public async Task ClientDeadline_Expires_BackendSeesCancellation()
    {
        var id = Guid.NewGuid().ToString("N");
        var metadata = new Dictionary<string, string> { ["x-sleep-ms"] = "20000", ["x-record-cancel"] = id };

        // Long enough for the call to reach the backend even on a loaded CI machine (else nothing is there to cancel);
        // still far below the backend's 20 s sleep.
        var result = await GrpcJsClient.CallAsync(Proxy, "/users.v1.UserService/GetUser", metadata, deadlineMs: 2000).DefaultTimeout();

        Assert.Equal(4, result.Code);
        await Fixture.Backends.WaitForCancellationAsync(id).DefaultTimeout();
    }

    [Fact]
    public async Task ClientCancel_ReachesBackend()
    {
        var id = Guid.NewGuid().ToString("N");
        var metadata = new Dictionary<string, string> { ["x-sleep-ms"] = "20000", ["x-record-cancel"] = id };

        // As above: the call must have reached the backend before the cancel for the backend to see one.
        var result = await GrpcJsClient.CallAsync(Proxy, "/users.v1.UserService/ListUsers", metadata, cancelAfterMs: 2000).DefaultTimeout();

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

    [Fact]
    public async Task StreamIdleTimeout_NoBytes_UnavailableAndUpstreamCancelled()
    {
        var id = Guid.NewGuid().ToString("N");

        var result = await GrpcJsClient.CallAsync(Proxy, "/hang.v1.Hang/Idle", new Dictionary<string, string> { ["x-record-cancel"] = id }).DefaultTimeout();

        Assert.Equal(14, result.Code);
        Assert.Contains("stream idle timeout", result.Details, StringComparison.Ordinal);
        Assert.Null(await Fixture.Hanging.WaitForAbortAsync(id).DefaultTimeout());
    }
}
