namespace MeshProxy.Grpc;

/// <summary>Writes a stream of messages; each write is flushed before its task completes. Writes must not overlap.</summary>
public interface IAsyncStreamWriter<in T>
{
    Task WriteAsync(T message, CancellationToken cancellationToken = default);
}
