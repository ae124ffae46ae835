namespace MeshProxy.Grpc;

/// <summary>Reads a stream of messages one at a time.</summary>
public interface IAsyncStreamReader<out T>
{
    /// <summary>The message read by the last successful <see cref="MoveNext"/>.</summary>
    T Current { get; }

    /// <summary>Reads the next message; false at the end of the stream. A failure is an <see cref="RpcException"/>.</summary>
    Task<bool> MoveNext(CancellationToken cancellationToken = default);
}
