namespace MeshProxy.Grpc.Server;

/// <summary>A service's methods bound to their handlers; made by <see cref="GrpcServiceBuilder"/>, mapped by MapGrpcService.</summary>
public sealed class GrpcServiceDefinition
{
    internal GrpcServiceDefinition(string serviceName, IReadOnlyList<ServerMethodBinding> bindings)
    {
        ServiceName = serviceName;
        Bindings = bindings;
    }

    /// <summary>The fully qualified service name, e.g. "users.v1.UserService".</summary>
    public string ServiceName { get; }

    /// <summary>The full names ("/package.Service/Method") of the bound methods.</summary>
    public IReadOnlyList<string> MethodNames => [.. Bindings.Select(b => b.FullName)];

    internal IReadOnlyList<ServerMethodBinding> Bindings { get; }
}
