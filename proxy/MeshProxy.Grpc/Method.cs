using Google.Protobuf;

namespace MeshProxy.Grpc;

/// <summary>
/// One gRPC method: its kind, names and the parsers of its Protocol Buffers messages. The request path is
/// <see cref="FullName"/>, "/package.Service/Method" (PROTOCOL-HTTP2.md, Path).
/// </summary>
public sealed class Method<TRequest, TResponse>
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    public Method(MethodType type, string serviceName, string name, MessageParser<TRequest> requestParser, MessageParser<TResponse> responseParser)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceName);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(requestParser);
        ArgumentNullException.ThrowIfNull(responseParser);
        if (serviceName.Contains('/', StringComparison.Ordinal) || name.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException($"A service or method name cannot contain '/': '{serviceName}', '{name}'.");
        }

        Type = type;
        ServiceName = serviceName;
        Name = name;
        RequestParser = requestParser;
        ResponseParser = responseParser;
        FullName = "/" + serviceName + "/" + name;
    }

    public MethodType Type { get; }

    /// <summary>The fully qualified service name, e.g. "users.v1.UserService".</summary>
    public string ServiceName { get; }

    /// <summary>The method name, e.g. "GetUser".</summary>
    public string Name { get; }

    /// <summary>"/" + <see cref="ServiceName"/> + "/" + <see cref="Name"/>.</summary>
    public string FullName { get; }

    public MessageParser<TRequest> RequestParser { get; }

    public MessageParser<TResponse> ResponseParser { get; }

    public override string ToString() => FullName;
}
