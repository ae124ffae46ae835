namespace MeshProxy.Grpc.Client;

/// <summary>The request stream of a client-streaming or duplex call.</summary>
public interface IClientStreamWriter<in T> : IAsyncStreamWriter<T>
{
    /// <summary>Half-closes the request stream (END_STREAM): no more messages will be sent.</summary>
    Task CompleteAsync();
}
