using Grpc.AspNetCore.Server;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace MeshProxy.SampleBackends.Faults;

/// <summary>
/// Applies the fault <see cref="Hosting.SampleBackendMiddleware"/> selected for a call (an <see cref="InjectedFaultFeature"/>)
/// inside grpc-dotnet, on every service including grpc.health.v1 and reflection: first the latency, then the status.
/// Methods with one reply fail before it, as a Trailers-Only response; streaming replies with <c>after-messages=N</c>
/// send N messages and then fail in the trailers.
/// </summary>
/// <remarks>
/// The latency waits on the call's token, which grpc-dotnet cancels when the client's grpc-timeout passes: it then
/// answers DEADLINE_EXCEEDED itself, as a slow real service would (PROTOCOL-HTTP2.md, Timeout).
/// </remarks>
internal sealed class FaultInterceptor(TimeProvider timeProvider) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        await BeforeCallAsync(context, streamsReplies: false).ConfigureAwait(false);
        return await continuation(request, context).ConfigureAwait(false);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await BeforeCallAsync(context, streamsReplies: false).ConfigureAwait(false);
        return await continuation(requestStream, context).ConfigureAwait(false);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        if (await BeforeCallAsync(context, streamsReplies: true).ConfigureAwait(false) is not { } rule)
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
            return;
        }

        var faulting = new FaultingStreamWriter<TResponse>(responseStream, rule);
        await continuation(request, faulting, context).ConfigureAwait(false);

        // The handler ended before sending N messages; the call fails all the same.
        throw faulting.Failure();
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        if (await BeforeCallAsync(context, streamsReplies: true).ConfigureAwait(false) is not { } rule)
        {
            await continuation(requestStream, responseStream, context).ConfigureAwait(false);
            return;
        }

        var faulting = new FaultingStreamWriter<TResponse>(responseStream, rule);
        await continuation(requestStream, faulting, context).ConfigureAwait(false);
        throw faulting.Failure();
    }

    /// <summary>Waits out the latency and throws the status; returns the rule when it fails the stream later instead.</summary>
    private async Task<FaultRule?> BeforeCallAsync(ServerCallContext context, bool streamsReplies)
    {
        if (context.GetHttpContext().Features.Get<InjectedFaultFeature>() is not { Rule: var rule })
        {
            return null;
        }

        if (rule.Latency > TimeSpan.Zero)
        {
            await Task.Delay(rule.Latency, timeProvider, context.CancellationToken).ConfigureAwait(false);
        }

        if (rule.Status is not { } status)
        {
            return null;
        }

        if (rule.AfterMessages > 0 && streamsReplies)
        {
            return rule;
        }

        throw new RpcException(new Status(status, rule.EffectiveMessage));
    }
}
