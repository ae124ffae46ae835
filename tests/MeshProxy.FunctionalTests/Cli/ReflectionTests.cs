using MeshProxy.Cli;
using MeshProxy.Cli.Reflection;
using MeshProxy.Samples.Users.V1;

namespace MeshProxy.FunctionalTests.Cli;

/// <summary>
/// <c>meshproxy call ADDRESS list|describe</c> and reflection-resolved calls against real grpc-dotnet servers with
/// reflection v1, with only v1alpha, and without reflection, directly and through the sidecar's catch-all route.
/// </summary>
public sealed class ReflectionTests(ReflectionFixture servers) : IClassFixture<ReflectionFixture>
{
    private static readonly string[] UserMethods =
    [
        "users.v1.UserService/GetUser",
        "users.v1.UserService/CreateUser",
        "users.v1.UserService/UpdateUser",
        "users.v1.UserService/DeleteUser",
        "users.v1.UserService/ListUsers",
        "users.v1.UserService/SyncUsers",
    ];

    [Fact]
    public async Task List_V1Server_PrintsEveryServiceSorted()
    {
        var result = await CallRunner.RunAsync([servers[ReflectionKind.V1AndV1Alpha].Authority, "list"]);

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        var lines = Lines(result.Stdout);
        Assert.Contains("users.v1.UserService", lines);
        Assert.Contains("grpc.reflection.v1.ServerReflection", lines);
        Assert.Equal(lines.Order(StringComparer.Ordinal), lines);
        Assert.Equal(string.Empty, result.Stderr);
    }

    [Fact]
    public async Task List_V1AlphaOnlyServer_FallsBackToV1Alpha()
    {
        var result = await CallRunner.RunAsync([servers[ReflectionKind.V1AlphaOnly].Authority, "list"]);

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        Assert.Equal(["grpc.reflection.v1alpha.ServerReflection", "users.v1.UserService"], Lines(result.Stdout));
    }

    [Theory]
    [InlineData(ReflectionKind.V1AndV1Alpha)]
    [InlineData(ReflectionKind.V1AlphaOnly)]
    public async Task List_Service_PrintsItsMethodsAsCallTakesThem(ReflectionKind kind)
    {
        var result = await CallRunner.RunAsync([servers[kind].Authority, "list", "users.v1.UserService"]);

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        Assert.Equal(UserMethods, Lines(result.Stdout));
    }

    [Fact]
    public async Task List_UnknownService_Exit1()
    {
        var result = await CallRunner.RunAsync([servers[ReflectionKind.V1AndV1Alpha].Authority, "list", "nope.v1.Nope"]);

        Assert.True(result.ExitCode == ExitCodes.Failure, result.ToString());
        Assert.Contains("does not know service 'nope.v1.Nope'", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, result.Stdout);
    }

    [Theory]
    [InlineData("users.v1.UserService/ListUsers")]
    [InlineData("users.v1.UserService.ListUsers")]
    public async Task Describe_Method_PrintsItsRpcLine(string symbol)
    {
        var result = await CallRunner.RunAsync([servers[ReflectionKind.V1AndV1Alpha].Authority, "describe", symbol]);

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        Assert.Equal(
            "users.v1.UserService.ListUsers is a method:\nrpc ListUsers ( .users.v1.ListUsersRequest ) returns ( stream .users.v1.User );\n",
            result.Stdout.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Describe_MessageAndService_PrintProtoSource()
    {
        var message = await CallRunner.RunAsync([servers[ReflectionKind.V1AlphaOnly].Authority, "describe", "users.v1.SyncUsersRequest"]);
        var service = await CallRunner.RunAsync([servers[ReflectionKind.V1AndV1Alpha].Authority, "describe", "users.v1.UserService"]);

        Assert.True(message.ExitCode == ExitCodes.Ok, message.ToString());
        // Descriptors that came over reflection read exactly as the compiled ones.
        Assert.Equal(ProtoSourceWriter.Describe(SyncUsersRequest.Descriptor), message.Stdout);
        Assert.True(service.ExitCode == ExitCodes.Ok, service.ToString());
        Assert.StartsWith("users.v1.UserService is a service:\nservice UserService {\n  rpc GetUser ( .users.v1.GetUserRequest ) returns ( .users.v1.User );\n", service.Stdout.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Describe_UnknownSymbol_Exit1()
    {
        var result = await CallRunner.RunAsync([servers[ReflectionKind.V1AndV1Alpha].Authority, "describe", "users.v1.Nobody"]);

        Assert.True(result.ExitCode == ExitCodes.Failure, result.ToString());
        Assert.Contains("'users.v1.Nobody'", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("list")]
    [InlineData("describe")]
    public async Task NoReflection_ListOrDescribe_ClearErrorExit1(string command)
    {
        string[] args = command == "list" ? [servers[ReflectionKind.None].Authority, "list"] : [servers[ReflectionKind.None].Authority, "describe", "users.v1.User"];

        var result = await CallRunner.RunAsync(args);

        Assert.True(result.ExitCode == ExitCodes.Failure, result.ToString());
        Assert.StartsWith($"meshproxy call: {servers[ReflectionKind.None].Authority} offers no gRPC server reflection", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, result.Stdout);
    }

    [Theory]
    [InlineData(ReflectionKind.V1AndV1Alpha)]
    [InlineData(ReflectionKind.V1AlphaOnly)]
    public async Task Call_ServiceNotInLocalSet_ResolvedThroughReflection(ReflectionKind kind)
    {
        string[] local = ["--descriptor-set", servers.EmptyDescriptorSet];

        var unary = await CallRunner.RunAsync([servers[kind].Authority, "users.v1.UserService/GetUser", "-d", """{"userId":"u-7"}""", .. local]);
        var stream = await CallRunner.RunAsync([servers[kind].Authority, "users.v1.UserService/ListUsers", "-d", """{"pageSize":2,"plan":"PLAN_FREE"}""", .. local]);
        var failed = await CallRunner.RunAsync([servers[kind].Authority, "users.v1.UserService/GetUser", "-d", """{"userId":"u-404"}""", .. local]);

        Assert.True(unary.ExitCode == ExitCodes.Ok, unary.ToString());
        var user = Assert.Single(unary.Documents());
        Assert.Equal(("u-7", "reflection backend", "PLAN_PRO"), (user.GetProperty("userId").GetString(), user.GetProperty("displayName").GetString(), user.GetProperty("plan").GetString()));
        Assert.True(stream.ExitCode == ExitCodes.Ok, stream.ToString());
        Assert.Equal(["u-1", "u-2"], stream.Documents().Select(d => d.GetProperty("userId").GetString()));
        Assert.True(failed.ExitCode == ExitCodes.Failure, failed.ToString());
        Assert.Equal("ERROR: NOT_FOUND (5): No user 'u-404' at the reflection backend.", failed.Stderr.TrimEnd());
    }

    [Fact]
    public async Task Call_UnknownMethodOfReflectedService_ListsTheServersMethods_Exit2()
    {
        var result = await CallRunner.RunAsync([servers[ReflectionKind.V1AndV1Alpha].Authority, "users.v1.UserService/GetUsr", "--descriptor-set", servers.EmptyDescriptorSet]);

        Assert.True(result.ExitCode == ExitCodes.Usage, result.ToString());
        Assert.Contains("has no method 'GetUsr'; did you mean: users.v1.UserService/GetUser", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("(by the server's reflection)", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Call_ServiceNotInLocalSet_ServerWithoutReflection_SaysSoExit2()
    {
        var result = await CallRunner.RunAsync([servers[ReflectionKind.None].Authority, "users.v1.UserService/GetUser", "--descriptor-set", servers.EmptyDescriptorSet]);

        Assert.True(result.ExitCode == ExitCodes.Usage, result.ToString());
        Assert.Contains("unknown service 'users.v1.UserService'", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("the server offers no reflection", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Call_ServiceInLocalSet_ServerWithoutReflection_NeedsNone()
    {
        var result = await CallRunner.RunAsync([servers[ReflectionKind.None].Authority, "users.v1.UserService/GetUser", "-d", """{"userId":"u-8"}"""]);

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        Assert.Equal("reflection backend", Assert.Single(result.Documents()).GetProperty("displayName").GetString());
    }

    [Fact]
    public async Task ThroughSidecarCatchAll_ReflectionIsProxiedAndHealthStaysLocal()
    {
        // The sidecar's own grpc-dotnet endpoint serves grpc.health.v1 only; every other service goes to the route.
        var list = await CallRunner.RunAsync([servers.SidecarAuthority, "list"]);
        var call = await CallRunner.RunAsync([servers.SidecarAuthority, "users.v1.UserService/GetUser", "-d", """{"userId":"u-9"}""", "--descriptor-set", servers.EmptyDescriptorSet]);
        var health = await CallRunner.RunAsync([servers.SidecarAuthority, "grpc.health.v1.Health/Check", "-d", """{"service":"meshproxy"}"""]);

        Assert.True(list.ExitCode == ExitCodes.Ok, list.ToString());
        Assert.Contains("users.v1.UserService", Lines(list.Stdout));
        Assert.DoesNotContain("grpc.health.v1.Health", Lines(list.Stdout));
        Assert.True(call.ExitCode == ExitCodes.Ok, call.ToString());
        Assert.Equal("reflection backend", Assert.Single(call.Documents()).GetProperty("displayName").GetString());
        Assert.True(health.ExitCode == ExitCodes.Ok, health.ToString());
        Assert.Equal("SERVING", Assert.Single(health.Documents()).GetProperty("status").GetString());
    }

    private static string[] Lines(string text) => text.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
