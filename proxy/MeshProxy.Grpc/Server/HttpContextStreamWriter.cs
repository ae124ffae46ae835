using Google.Protobuf;

namespace MeshProxy.Grpc.Server;

/// <summary>The response stream of a server-streaming or duplex call.</summary>
internal sealed class HttpContextStreamWriter<T> : IServerStreamWriter<T>
    where T : class, IMessage<T>
{
    private readonly ServerCall _call;

    public HttpContextStreamWriter(ServerCall call) => _call = call;

    public Task WriteAsync(T message, CancellationToken cancellationToken = default) => _call.WriteMessageAsync(message, cancellationToken);
}
