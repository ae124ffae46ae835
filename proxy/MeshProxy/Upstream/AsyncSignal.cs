using System.Threading.Tasks.Sources;

namespace MeshProxy.Upstream;

/// <summary>
/// A reusable one-waiter signal (no allocation per wait): the response reader waiting for DATA, or the request
/// writer waiting for window. Set, cancel and a failure may race; the first one completes the wait.
/// </summary>
internal sealed class AsyncSignal : IValueTaskSource
{
    private static readonly Action<object?> CancelCallback = static state => ((AsyncSignal)state!).Cancel();

    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    private int _completed;
    private CancellationToken _waitToken;

    /// <summary>Re-arms the signal for the next wait; only the one waiter calls it, before it waits.</summary>
    public void Reset()
    {
        _core.Reset();
        Volatile.Write(ref _completed, 0);
    }

    public void Set()
    {
        if (Interlocked.Exchange(ref _completed, 1) == 0)
        {
            _core.SetResult(true);
        }
    }

    public async ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        if (!cancellationToken.CanBeCanceled)
        {
            await new ValueTask(this, _core.Version).ConfigureAwait(false);
            return;
        }

        _waitToken = cancellationToken;
        using (cancellationToken.UnsafeRegister(CancelCallback, this))
        {
            await new ValueTask(this, _core.Version).ConfigureAwait(false);
        }
    }

    private void Cancel()
    {
        if (Interlocked.Exchange(ref _completed, 1) == 0)
        {
            _core.SetException(new OperationCanceledException(_waitToken));
        }
    }

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
