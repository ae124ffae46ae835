namespace MeshProxy.Grpc.Client;

/// <summary>The response stream of a server-streaming or duplex call.</summary>
internal sealed class ClientResponseStream<T>(Func<CancellationToken, Task<T?>> readNext) : IAsyncStreamReader<T>
    where T : class
{
    private T? _current;

    public T Current => _current ?? throw new InvalidOperationException("No message has been read; call MoveNext first.");

    public async Task<bool> MoveNext(CancellationToken cancellationToken = default)
    {
        _current = await readNext(cancellationToken).ConfigureAwait(false);
        return _current is not null;
    }
}
