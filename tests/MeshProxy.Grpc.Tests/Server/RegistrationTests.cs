using MeshProxy.Grpc.Server;
using MeshProxy.Grpc.Tests.Infrastructure;
using MeshProxy.Samples.Users.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MeshProxy.Grpc.Tests.Server;

public class RegistrationTests
{
    [Fact]
    public void MapGrpcService_WithoutAddGrpcServer_FailsWithClearMessage()
    {
        var app = WebApplication.CreateSlimBuilder().Build();
        var ex = Assert.Throws<InvalidOperationException>(() => app.MapGrpcService(new GrpcServiceBuilder(TestMethods.UserService).Build()));
        Assert.Contains("AddGrpcServer", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddGrpcServer_InvalidOptions_EveryErrorReported()
    {
        var services = new ServiceCollection();
        services.AddGrpcServer(o =>
        {
            o.MaxReceiveMessageSize = 0;
            o.ResponseCompressionAlgorithm = "snappy";
        });
        using var provider = services.BuildServiceProvider();
        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<GrpcServerOptions>>().Value);
        Assert.Equal(2, ex.Failures.Count());
    }

    [Fact]
    public void GrpcServiceBuilder_WrongKindOrServiceOrDuplicate_Refused()
    {
        var builder = new GrpcServiceBuilder(TestMethods.UserService);
        Assert.Throws<ArgumentException>(() => builder.AddUnary(TestMethods.ListUsers, (_, _) => Task.FromResult(new User())));
        Assert.Throws<ArgumentException>(() => new GrpcServiceBuilder("other.Service").AddUnary(TestMethods.GetUser, (_, _) => Task.FromResult(new User())));
        builder.AddUnary(TestMethods.GetUser, (_, _) => Task.FromResult(new User()));
        Assert.Throws<ArgumentException>(() => builder.AddUnary(TestMethods.GetUser, (_, _) => Task.FromResult(new User())));
        Assert.Equal(["/users.v1.UserService/GetUser"], builder.Build().MethodNames);
    }
}
