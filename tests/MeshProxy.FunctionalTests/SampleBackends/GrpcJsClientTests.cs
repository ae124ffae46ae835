using System.Text.Json;
using MeshProxy.SampleBackends;
using MeshProxy.TestSupport;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests.SampleBackends;

/// <summary>A real gRPC implementation, @grpc/grpc-js, calls the backend: every call kind, errors and the version header.</summary>
public sealed class GrpcJsClientTests(ITestOutputHelper output)
{
    [Fact]
    public async Task GrpcJsClient_EveryCallKind_SeesTheSameBehaviour()
    {
        var nodeDirectory = await NodePeers.EnsureInstalledAsync().WaitAsync(TimeSpan.FromMinutes(6));
        await using var backend = await TestBackend.StartAsync(output, new SampleBackendOptions { Version = "v-js" });

        var result = await ProcessRunner.RunAsync(
            "node",
            [RepoPaths.Combine("tests", "MeshProxy.FunctionalTests", "SampleBackends", "GrpcJs", "client.js"), $"127.0.0.1:{backend.Handle.Port}"],
            nodeDirectory,
            TimeSpan.FromMinutes(1),
            environment: new Dictionary<string, string> { ["NODE_PATH"] = Path.Combine(nodeDirectory, "node_modules") }).DefaultTimeout();
        Assert.True(result.ExitCode == 0, result.StandardError);
        using var json = JsonDocument.Parse(result.StandardOutput);
        var root = json.RootElement;

        Assert.Equal(0, root.GetProperty("getUser").GetProperty("code").GetInt32());
        Assert.Equal("Ada Lovelace", root.GetProperty("getUser").GetProperty("response").GetProperty("display_name").GetString());
        Assert.Equal("PLAN_ENTERPRISE", root.GetProperty("getUser").GetProperty("response").GetProperty("plan").GetString());
        Assert.Equal("v-js", root.GetProperty("getUser").GetProperty("version").GetString());
        Assert.Equal(5, root.GetProperty("notFound").GetProperty("code").GetInt32());
        Assert.Equal("User 'u-missing' not found.", root.GetProperty("notFound").GetProperty("details").GetString());
        Assert.Equal("v-js", root.GetProperty("notFound").GetProperty("version").GetString());
        Assert.Equal("From grpc-js", root.GetProperty("updateUser").GetProperty("response").GetProperty("display_name").GetString());
        Assert.Equal("alan@example.com", root.GetProperty("updateUser").GetProperty("response").GetProperty("email").GetString());
        Assert.Equal(["u-1002", "u-1004"], root.GetProperty("listUsers").GetProperty("items").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(0, root.GetProperty("syncUsers").GetProperty("code").GetInt32());
        Assert.Equal(
            ["u-js:False", "u-1005:True"],
            root.GetProperty("syncUsers").GetProperty("items").EnumerateArray().Select(e => $"{e.GetProperty("user_id").GetString()}:{e.GetProperty("deleted").GetBoolean()}"));
        Assert.Equal(2, root.GetProperty("chat").GetProperty("items").GetArrayLength());
        Assert.All(root.GetProperty("chat").GetProperty("items").EnumerateArray(), e => Assert.Equal("s-js", e.GetProperty("session_id").GetString()));
        var summary = root.GetProperty("batch").GetProperty("summary");
        Assert.Equal((1, 1), (summary.GetProperty("succeeded").GetInt32(), summary.GetProperty("declined").GetInt32()));
        Assert.Equal("2", summary.GetProperty("total").GetProperty("units").GetString());
        Assert.Equal(7, backend.Handle.Calls.TotalCalls);
        Assert.Equal(2, backend.Handle.CallCount("users.v1.UserService/GetUser"));
        Assert.Equal("grpc-node-js", backend.Handle.LastCall("users.v1.UserService/GetUser")?.Header("user-agent")?.Split('/')[0]);
    }
}
