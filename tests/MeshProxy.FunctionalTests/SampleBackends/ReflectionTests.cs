using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Reflection.V1;
using MeshProxy.TestSupport;
using Xunit.Abstractions;
using V1Alpha = Grpc.Reflection.V1Alpha;

namespace MeshProxy.FunctionalTests.SampleBackends;

/// <summary>
/// Server reflection (Grpc.AspNetCore.Server.Reflection), asked by Grpc.Reflection's generated client as grpcurl-style
/// tools ask: list the services, then fetch the file that defines a symbol with everything it imports.
/// </summary>
public sealed class ReflectionTests(ITestOutputHelper output)
{
    private static readonly string[] Served =
    [
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
        "grpc.reflection.v1alpha.ServerReflection",
        "inventory.v1.InventoryService",
        "payments.v1.PaymentService",
        "users.v1.UserService",
    ];

    [Fact]
    public async Task ListServices_V1_NamesTheSampleServicesHealthAndReflection()
    {
        await using var backend = await TestBackend.StartAsync(output);

        var response = await AskAsync(backend, new ServerReflectionRequest { ListServices = "" });

        Assert.Equal(Served, response.ListServicesResponse.Service.Select(s => s.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ListServices_V1Alpha_AnswersTheSame()
    {
        await using var backend = await TestBackend.StartAsync(output);
        var client = new V1Alpha.ServerReflection.ServerReflectionClient(backend.Channel);

        using var call = client.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new V1Alpha.ServerReflectionRequest { ListServices = "" }).DefaultTimeout();
        await call.RequestStream.CompleteAsync().DefaultTimeout();
        Assert.True(await call.ResponseStream.MoveNext().DefaultTimeout());
        var response = call.ResponseStream.Current;

        // Read to the end before the call is disposed: disposing it mid-stream resets it, and the server, still
        // reading, logs that reset as an error (seen in a CI run).
        Assert.False(await call.ResponseStream.MoveNext().DefaultTimeout());
        Assert.Equal(Served, response.ListServicesResponse.Service.Select(s => s.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task FileContainingSymbol_UserService_DescribesEveryMethodWithItsImports()
    {
        await using var backend = await TestBackend.StartAsync(output);

        var response = await AskAsync(backend, new ServerReflectionRequest { FileContainingSymbol = "users.v1.UserService" });

        // The reply holds the defining file and its imports, enough for a client to build the descriptors itself.
        var files = FileDescriptor.BuildFromByteStrings(DependenciesFirst(response.FileDescriptorResponse.FileDescriptorProto));
        var users = Assert.Single(files, f => f.Name == "users/v1/users.proto");
        var service = users.FindTypeByName<ServiceDescriptor>("UserService");
        Assert.Equal(
            ["GetUser", "CreateUser", "UpdateUser", "DeleteUser", "ListUsers:server", "SyncUsers:client:server"],
            service.Methods.Select(m => m.Name + (m.IsClientStreaming ? ":client" : "") + (m.IsServerStreaming ? ":server" : "")));
        Assert.Equal("users.v1.User", service.FindMethodByName("GetUser").OutputType.FullName);
        Assert.Contains(files, f => f.Name == "google/protobuf/field_mask.proto");
    }

    [Fact]
    public async Task FileContainingSymbol_Unknown_NotFoundErrorResponse()
    {
        await using var backend = await TestBackend.StartAsync(output);

        var response = await AskAsync(backend, new ServerReflectionRequest { FileContainingSymbol = "nope.v1.Nothing" });

        Assert.Equal((int)StatusCode.NotFound, response.ErrorResponse.ErrorCode);
    }

    /// <summary>The files in an order FileDescriptor can build them: each after the files it imports.</summary>
    private static List<ByteString> DependenciesFirst(IEnumerable<ByteString> files)
    {
        var pending = files.Select(bytes => (Bytes: bytes, Proto: FileDescriptorProto.Parser.ParseFrom(bytes))).ToList();
        var placed = new HashSet<string>(StringComparer.Ordinal);
        var ordered = new List<ByteString>();
        while (pending.Count > 0)
        {
            var next = pending.First(file => file.Proto.Dependency.All(placed.Contains));
            pending.Remove(next);
            placed.Add(next.Proto.Name);
            ordered.Add(next.Bytes);
        }

        return ordered;
    }

    private static async Task<ServerReflectionResponse> AskAsync(TestBackend backend, ServerReflectionRequest request)
    {
        var client = new ServerReflection.ServerReflectionClient(backend.Channel);
        using var call = client.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(request).DefaultTimeout();
        await call.RequestStream.CompleteAsync().DefaultTimeout();
        Assert.True(await call.ResponseStream.MoveNext().DefaultTimeout());
        var response = call.ResponseStream.Current;
        Assert.False(await call.ResponseStream.MoveNext().DefaultTimeout());
        return response;
    }
}
