using Grpc.Core;

namespace MeshProxy.SampleBackends.Faults;

/// <summary>Lets <see cref="FaultRule.AfterMessages"/> replies through, then fails the call with the rule's status.</summary>
internal sealed class FaultingStreamWriter<T>(IServerStreamWriter<T> inner, FaultRule rule) : IServerStreamWriter<T>
{
    private int _sent;

    public WriteOptions? WriteOptions
    {
        get => inner.WriteOptions;
        set => inner.WriteOptions = value;
    }

    public Task WriteAsync(T message) => WriteAsync(message, CancellationToken.None);

    public async Task WriteAsync(T message, CancellationToken cancellationToken)
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
