using MeshProxy.Grpc;
using MeshProxy.Grpc.Server;

namespace MeshProxy.SampleBackends.Faults;

/// <summary>
/// Wraps the handlers of streaming-response methods so an <c>after-messages=N</c> fault lets N messages through and
/// then ends the call with the fault's status in the trailers.
/// </summary>
internal static class FaultingStreams
{
    public static ServerStreamingServerMethod<TRequest, TResponse> Wrap<TRequest, TResponse>(ServerStreamingServerMethod<TRequest, TResponse> handler) =>
        (request, stream, context) => context.HttpContext.Features.Get<InjectedFaultFeature>() is { } fault
            ? RunAsync(fault.Rule, stream, faulting => handler(request, faulting, context))
            : handler(request, stream, context);

    public static DuplexStreamingServerMethod<TRequest, TResponse> Wrap<TRequest, TResponse>(DuplexStreamingServerMethod<TRequest, TResponse> handler) =>
        (requests, stream, context) => context.HttpContext.Features.Get<InjectedFaultFeature>() is { } fault
            ? RunAsync(fault.Rule, stream, faulting => handler(requests, faulting, context))
            : handler(requests, stream, context);

    private static async Task RunAsync<TResponse>(FaultRule rule, IServerStreamWriter<TResponse> stream, Func<IServerStreamWriter<TResponse>, Task> handler)
    {
        var faulting = new FaultingStreamWriter<TResponse>(stream, rule);
        await handler(faulting).ConfigureAwait(false);

        // The handler ended before sending N messages; the call must fail all the same.
        throw faulting.Failure();
    }

    private sealed class FaultingStreamWriter<T>(IServerStreamWriter<T> inner, FaultRule rule) : IServerStreamWriter<T>
    {
        private int _sent;

        public async Task WriteAsync(T message, CancellationToken cancellationToken = default)
        {
            if (_sent >= rule.AfterMessages)
            {
                throw Failure();
            }

            await inner.WriteAsync(message, cancellationToken).ConfigureAwait(false);
            if (++_sent == rule.AfterMessages)
            {
                throw Failure();
            }
        }

        public RpcException Failure() => new(new Status(rule.Status ?? StatusCode.Unknown, rule.EffectiveMessage));
    }
}
