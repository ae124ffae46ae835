using Microsoft.Extensions.DependencyInjection;

namespace MeshProxy.Grpc.Server;

/// <summary>Returned by AddGrpcServer for chaining further registration.</summary>
public sealed class GrpcServerBuilder
{
    internal GrpcServerBuilder(IServiceCollection services) => Services = services;

    public IServiceCollection Services { get; }
}
