using Google.Protobuf;

namespace MeshProxy.Grpc.Server;

/// <summary>A method of any kind bound to its typed handler; exactly one handler field is set, matching the kind.</summary>
internal sealed class ServerMethodBinding<TRequest, TResponse> : ServerMethodBinding
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private readonly Method<TRequest, TResponse> _method;
    private readonly UnaryServerMethod<TRequest, TResponse>? _unary;
    private readonly ServerStreamingServerMethod<TRequest, TResponse>? _serverStreaming;
    private readonly ClientStreamingServerMethod<TRequest, TResponse>? _clientStreaming;
    private readonly DuplexStreamingServerMethod<TRequest, TResponse>? _duplex;

    public ServerMethodBinding(Method<TRequest, TResponse> method, Delegate handler)
        : base(method.FullName, method.Type)
    {
        _method = method;
        switch (method.Type)
        {
            case MethodType.Unary: _unary = (UnaryServerMethod<TRequest, TResponse>)handler; break;
            case MethodType.ServerStreaming: _serverStreaming = (ServerStreamingServerMethod<TRequest, TResponse>)handler; break;
            case MethodType.ClientStreaming: _clientStreaming = (ClientStreamingServerMethod<TRequest, TResponse>)handler; break;
            case MethodType.DuplexStreaming: _duplex = (DuplexStreamingServerMethod<TRequest, TResponse>)handler; break;
            default: throw new ArgumentOutOfRangeException(nameof(method), method.Type, "Unknown method type.");
        }
    }

    protected override async Task InvokeAsync(ServerCall call)
    {
        var context = call.Context;
        switch (Type)
        {
            case MethodType.Unary:
            {
                var request = await ReadSingleAsync(call).ConfigureAwait(false);
                var response = await _unary!(request, context).ConfigureAwait(false);
                await WriteSingleAsync(call, response).ConfigureAwait(false);
                break;
            }

            case MethodType.ServerStreaming:
            {
                var request = await ReadSingleAsync(call).ConfigureAwait(false);
                await _serverStreaming!(request, new HttpContextStreamWriter<TResponse>(call), context).ConfigureAwait(false);
                break;
            }

            case MethodType.ClientStreaming:
            {
                var response = await _clientStreaming!(new HttpContextStreamReader<TRequest>(call, _method.RequestParser), context).ConfigureAwait(false);
                await WriteSingleAsync(call, response).ConfigureAwait(false);
                break;
            }

            default:
                await _duplex!(new HttpContextStreamReader<TRequest>(call, _method.RequestParser), new HttpContextStreamWriter<TResponse>(call), context).ConfigureAwait(false);
                break;
        }
    }

    private async Task<TRequest> ReadSingleAsync(ServerCall call)
    {
        var request = await call.ReadMessageAsync(_method.RequestParser, call.CancellationToken).ConfigureAwait(false)
            ?? throw new RpcException(new Status(StatusCode.Internal, "Request message not received: a unary request needs exactly one message."));
        if (await call.ReadMessageAsync(_method.RequestParser, call.CancellationToken).ConfigureAwait(false) is not null)
        {
            throw new RpcException(new Status(StatusCode.Internal, "Additional unexpected message: a unary request needs exactly one message."));
        }

        return request;
    }

    private static Task WriteSingleAsync(ServerCall call, TResponse? response)
    {
        // A handler that sets a non-OK status has no response to send.
        if (call.Context.Status.StatusCode != StatusCode.OK)
        {
            return Task.CompletedTask;
        }

        return response is null
            ? throw new InvalidOperationException("The handler returned no response message.")
            : call.WriteMessageAsync(response, call.CancellationToken);
    }
}
