using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Net.Client;
using MeshProxy.Cli;
using MeshProxy.FunctionalTests.Cli;
using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.Hosting;
using MeshProxy.TestSupport;
using V1 = Grpc.Reflection.V1;
using V1Alpha = Grpc.Reflection.V1Alpha;

namespace MeshProxy.FunctionalTests.Reflection;

/// <summary>
/// gRPC server reflection answered by the sidecar from its descriptor sets, in front of a backend whose reflection is off:
/// Grpc.Reflection's generated clients (v1 and v1alpha) over Grpc.Net.Client, grpc-js with @grpc/reflection's protos, and
/// <c>meshproxy call ... list</c>.
/// </summary>
public sealed class SidecarReflectionTests
{
    private const string UsersFile = "users/v1/users.proto";

    private static readonly string[] RoutedAndLocal =
    [
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
        "grpc.reflection.v1alpha.ServerReflection",
        "users.v1.UserService",
    ];

    private static readonly string[] WithPayments = [.. RoutedAndLocal.Append("payments.v1.PaymentService").Order(StringComparer.Ordinal)];

    private static string Config(int backendPort, bool reflection, string sets = "", string transcoding = "transcoding: { descriptorSets: [builtin] }") => $$"""
        {{SampleStack.LoopbackListeners}}
        routes:
          - { name: users, match: { method: /users.v1.UserService/* }, cluster: users }
          - { name: payments, match: { prefix: /payments.v1. }, cluster: users }
        clusters:
          users:
            destinations: [ { address: "http://127.0.0.1:{{backendPort}}" } ]
        {{transcoding}}
        reflection: { enabled: {{(reflection ? "true" : "false")}}{{sets}} }
        """;

    [Fact]
    public async Task Reflection_V1ListServices_RoutedServicesAndSidecarOwnEvenWithBackendReflectionOff()
    {
        await using var stack = await ReflectionStack.StartAsync(backendPort => Config(backendPort, reflection: true));

        // The backend itself has no reflection.
        using (var direct = GrpcChannel.ForAddress($"http://{stack.Backend.Authority}"))
        {
            Assert.Equal(StatusCode.Unimplemented, await RefusedV1StreamAsync(direct));
        }

        // payments.v1 is routed by prefix; inventory.v1 is in the descriptor set but no route takes it.
        Assert.Equal(WithPayments, (await ListV1Async(stack.Channel)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Reflection_V1FileContainingSymbolAndByFilename_ReturnsTheFileWithItsImports()
    {
        await using var stack = await ReflectionStack.StartAsync(backendPort => Config(backendPort, reflection: true));
        var client = new V1.ServerReflection.ServerReflectionClient(stack.Channel);
        using var call = client.ServerReflectionInfo();

        var bySymbol = await AskAsync(call, new V1.ServerReflectionRequest { FileContainingSymbol = "users.v1.UserService.GetUser" });
        var files = bySymbol.FileDescriptorResponse.FileDescriptorProto.Select(FileDescriptorProto.Parser.ParseFrom).ToList();
        Assert.Equal(UsersFile, files[0].Name);
        Assert.Contains(files[0].Service, s => s.Name == "UserService" && s.Method.Any(m => m.Name == "GetUser"));

        var byName = await AskAsync(call, new V1.ServerReflectionRequest { FileByFilename = UsersFile });
        Assert.Equal(UsersFile, FileDescriptorProto.Parser.ParseFrom(byName.FileDescriptorResponse.FileDescriptorProto[0]).Name);

        var unknown = await AskAsync(call, new V1.ServerReflectionRequest { FileContainingSymbol = "nope.v1.Nope" });
        Assert.Equal((int)StatusCode.NotFound, unknown.ErrorResponse.ErrorCode);
        await call.RequestStream.CompleteAsync().DefaultTimeout();
    }

    [Fact]
    public async Task Reflection_V1Alpha_AnswersLikeV1()
    {
        await using var stack = await ReflectionStack.StartAsync(backendPort => Config(backendPort, reflection: true));
        var client = new V1Alpha.ServerReflection.ServerReflectionClient(stack.Channel);
        using var call = client.ServerReflectionInfo();

        await call.RequestStream.WriteAsync(new V1Alpha.ServerReflectionRequest { ListServices = string.Empty }).DefaultTimeout();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).DefaultTimeout());
        Assert.Contains("users.v1.UserService", call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name));

        await call.RequestStream.WriteAsync(new V1Alpha.ServerReflectionRequest { FileContainingSymbol = "users.v1.GetUserRequest" }).DefaultTimeout();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).DefaultTimeout());
        Assert.Equal(UsersFile, FileDescriptorProto.Parser.ParseFrom(call.ResponseStream.Current.FileDescriptorResponse.FileDescriptorProto[0]).Name);
        await call.RequestStream.CompleteAsync().DefaultTimeout();
    }

    [Fact]
    public async Task Reflection_Disabled_CallIsRoutedLikeAnyOtherAndUnimplemented()
    {
        await using var stack = await ReflectionStack.StartAsync(backendPort => Config(backendPort, reflection: false));

        Assert.Equal(StatusCode.Unimplemented, await RefusedV1StreamAsync(stack.Channel));
    }

    [Fact]
    public async Task Reflection_ExtraDescriptorSetRewritten_NextStreamDescribesTheNewFiles()
    {
        // No transcoding: reflection reads its own descriptor set, first without payments.proto, then with it.
        var directory = Directory.CreateTempSubdirectory("meshproxy-reflection-").FullName;
        var setPath = Path.Combine(directory, "reflection.pb");
        var builtin = FileDescriptorSet.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "descriptor-set.pb")));
        var withoutPayments = new FileDescriptorSet();
        withoutPayments.File.AddRange(builtin.File.Where(f => !f.Name.StartsWith("payments/", StringComparison.Ordinal)));
        await File.WriteAllBytesAsync(setPath, withoutPayments.ToByteArray());
        try
        {
            await using var stack = await ReflectionStack.StartAsync(backendPort => Config(backendPort, reflection: true, sets: $", descriptorSets: [\"{setPath}\"]", transcoding: string.Empty));
            Assert.Equal(RoutedAndLocal, (await ListV1Async(stack.Channel)).Order(StringComparer.Ordinal));

            await File.WriteAllBytesAsync(setPath, builtin.ToByteArray());

            Assert.Equal(WithPayments, (await ListV1Async(stack.Channel)).Order(StringComparer.Ordinal));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [InlineData("v1")]
    [InlineData("v1alpha")]
    public async Task Reflection_GrpcJsWithGrpcReflectionProtos_ListsAndDescribes(string version)
    {
        await using var stack = await ReflectionStack.StartAsync(backendPort => Config(backendPort, reflection: true));
        var directory = await NodePeers.EnsureInstalledAsync().DefaultTimeout();
        var scenario = new JsonObject
        {
            ["target"] = stack.Proxy.Address(ListenerName.Grpc).Authority,
            ["version"] = version,
            ["requests"] = new JsonArray(
                new JsonObject { ["listServices"] = string.Empty },
                new JsonObject { ["fileContainingSymbol"] = "users.v1.UserService" },
                new JsonObject { ["fileByFilename"] = UsersFile }),
        };

        var run = await ProcessRunner.RunAsync("node", [Path.Combine("reflection", "client.js"), scenario.ToJsonString()], directory, TimeSpan.FromSeconds(60)).DefaultTimeout();

        Assert.True(run.ExitCode == 0, run.StandardError);
        var result = JsonNode.Parse(run.StandardOutput)!;
        Assert.Equal(0, result["code"]!.GetValue<int>());
        var answers = result["answers"]!.AsArray();
        Assert.Equal(WithPayments, answers[0]!["services"]!.AsArray().Select(s => s!.GetValue<string>()).Order(StringComparer.Ordinal));
        var bySymbol = answers[1]!["files"]![0]!;
        Assert.Equal(UsersFile, bySymbol["name"]!.GetValue<string>());
        Assert.Contains("GetUser", bySymbol["services"]![0]!["methods"]!.AsArray().Select(m => m!.GetValue<string>()));
        Assert.Equal(UsersFile, answers[2]!["files"]![0]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Reflection_MeshproxyCallList_AgainstSidecar()
    {
        await using var stack = await ReflectionStack.StartAsync(backendPort => Config(backendPort, reflection: true));
        var authority = stack.Proxy.Address(ListenerName.Grpc).Authority;

        var services = await CallRunner.RunAsync([authority, "list"]);
        var methods = await CallRunner.RunAsync([authority, "list", "users.v1.UserService"]);

        Assert.True(services.ExitCode == ExitCodes.Ok, services.ToString());
        Assert.Contains("users.v1.UserService", services.Stdout.Split('\n', StringSplitOptions.TrimEntries));
        Assert.True(methods.ExitCode == ExitCodes.Ok, methods.ToString());
        Assert.Contains("users.v1.UserService/GetUser", methods.Stdout.Split('\n', StringSplitOptions.TrimEntries));
    }

    private static async Task<List<string>> ListV1Async(GrpcChannel channel)
    {
        using var call = new V1.ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo();
        var response = await AskAsync(call, new V1.ServerReflectionRequest { ListServices = string.Empty });
        await call.RequestStream.CompleteAsync().DefaultTimeout();
        return [.. response.ListServicesResponse.Service.Select(s => s.Name)];
    }

    /// <summary>
    /// The status of a reflection stream the server refuses. Nothing is written: a server without the service answers
    /// on the headers alone and then resets the stream, and a request message racing that reset fails on the client as
    /// CANCELLED instead of the server's status.
    /// </summary>
    private static async Task<StatusCode> RefusedV1StreamAsync(GrpcChannel channel)
    {
        using var call = new V1.ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo();
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None).DefaultTimeout());
        return error.StatusCode;
    }

    private static async Task<V1.ServerReflectionResponse> AskAsync(AsyncDuplexStreamingCall<V1.ServerReflectionRequest, V1.ServerReflectionResponse> call, V1.ServerReflectionRequest request)
    {
        await call.RequestStream.WriteAsync(request).DefaultTimeout();
        if (!await call.ResponseStream.MoveNext(CancellationToken.None).DefaultTimeout())
        {
            throw new InvalidOperationException("The reflection stream ended without an answer.");
        }

        return call.ResponseStream.Current;
    }
}
