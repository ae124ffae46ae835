using MeshProxy.SampleBackends;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests.SampleBackends;

/// <summary>A real gRPC implementation, @grpc/grpc-js, calls the backend: every method and call kind, errors and the version header.</summary>
public sealed class GrpcJsClientTests(ITestOutputHelper output)
{
    [Fact]
    public async Task GrpcJsClient_EveryMethod_SeesTheRealResults()
    {
        await using var backend = await TestBackend.StartAsync(output, new SampleBackendOptions { Version = "v-js" });

        using var json = await GrpcJsSampleClient.RunAsync(backend.Handle.Port);

        GrpcJsSampleClient.AssertEveryMethodAnswered(json.RootElement, "v-js");
        Assert.Equal(13, GrpcJsSampleClient.Methods.Count);
        Assert.All(GrpcJsSampleClient.Methods, method => Assert.True(backend.Handle.CallCount(method) > 0, method));
        Assert.Equal(GrpcJsSampleClient.Calls, backend.Handle.Calls.TotalCalls);
        Assert.Equal(3, backend.Handle.CallCount("users.v1.UserService/GetUser"));
        Assert.Equal("grpc-node-js", backend.Handle.LastCall("users.v1.UserService/GetUser")?.Header("user-agent")?.Split('/')[0]);
    }
}
