using Google.Protobuf;

namespace MeshProxy.Grpc.Server;

/// <summary>The request stream of a client-streaming or duplex call, read from the HTTP/2 request body.</summary>
internal sealed class HttpContextStreamReader<T> : IAsyncStreamReader<T>
    where T : class, IMessage<T>
{
    private readonly ServerCall _call;
    private readonly MessageParser<T> _parser;
    private T? _current;

    public HttpContextStreamReader(ServerCall call, MessageParser<T> parser)
    {
        _call = call;
        _parser = parser;
    }

    public T Current => _current ?? throw new InvalidOperationException("No message has been read; call MoveNext first.");

    public async Task<bool> MoveNext(CancellationToken cancellationToken = default)
    {
        if (!cancellationToken.CanBeCanceled || cancellationToken == _call.CancellationToken)
        {
            _current = await _call.ReadMessageAsync(_parser, _call.CancellationToken).ConfigureAwait(false);
        }
        else
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _call.CancellationToken);
            _current = await _call.ReadMessageAsync(_parser, linked.Token).ConfigureAwait(false);
        }

        return _current is not null;
    }
}
