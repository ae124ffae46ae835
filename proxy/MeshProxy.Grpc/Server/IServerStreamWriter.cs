namespace MeshProxy.Grpc.Server;

/// <summary>The response stream of a server-streaming or duplex call; each write is flushed to the client.</summary>
public interface IServerStreamWriter<in T> : IAsyncStreamWriter<T>
{
}
