using Google.Protobuf;

namespace MeshProxy.Grpc.Server;

/// <summary>Binds the methods of one service to handlers: <c>new GrpcServiceBuilder("users.v1.UserService").AddUnary(m, h).Build()</c>.</summary>
public sealed class GrpcServiceBuilder
{
    private readonly List<ServerMethodBinding> _bindings = [];

    public GrpcServiceBuilder(string serviceName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceName);
        ServiceName = serviceName;
    }

    public string ServiceName { get; }

    public GrpcServiceBuilder AddUnary<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse> handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse> =>
        Add(method, MethodType.Unary, handler);

    public GrpcServiceBuilder AddServerStreaming<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse> handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse> =>
        Add(method, MethodType.ServerStreaming, handler);

    public GrpcServiceBuilder AddClientStreaming<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse> handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse> =>
        Add(method, MethodType.ClientStreaming, handler);

    public GrpcServiceBuilder AddDuplexStreaming<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse> handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse> =>
        Add(method, MethodType.DuplexStreaming, handler);

    public GrpcServiceDefinition Build() => new(ServiceName, _bindings.ToArray());

    private GrpcServiceBuilder Add<TRequest, TResponse>(Method<TRequest, TResponse> method, MethodType kind, Delegate handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(handler);
        if (method.Type != kind)
        {
            throw new ArgumentException($"Method {method.FullName} is {method.Type}, not {kind}.", nameof(method));
        }

        if (!string.Equals(method.ServiceName, ServiceName, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Method {method.FullName} belongs to '{method.ServiceName}', not '{ServiceName}'.", nameof(method));
        }

        if (_bindings.Exists(b => string.Equals(b.FullName, method.FullName, StringComparison.Ordinal)))
        {
            throw new ArgumentException($"Method {method.FullName} is already bound.", nameof(method));
        }

        _bindings.Add(new ServerMethodBinding<TRequest, TResponse>(method, handler));
        return this;
    }
}
