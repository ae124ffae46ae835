using System.Threading.Tasks.Sources;

namespace MeshProxy.Upstream;

/// <summary>
/// A reusable one-waiter signal (no allocation per wait): the response reader waiting for DATA, or the request
/// writer waiting for window. Set, cancel and a failure may race; the first one completes the wait.
/// </summary>
internal sealed class AsyncSignal : IValueTaskSource
{
    private static readonly Action<object?> CancelCallback = static state => ((AsyncSignal)state!).Cancel();

    // Reset, Set and a cancel can race (a failure wakes a writer while it re-arms): the lock makes each step whole.
    private readonly Lock _lock = new();
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    private bool _completed;
    private CancellationToken _waitToken;

    /// <summary>Re-arms the signal for the next wait; only the one waiter calls it, before it waits.</summary>
    public void Reset()
    {
        lock (_lock)
        {
            _core.Reset();
            _completed = false;
        }
    }

    public void Set() => Complete(null);

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

    private void Cancel() => Complete(new OperationCanceledException(_waitToken));

    private void Complete(Exception? error)
    {
        lock (_lock)
        {
            if (_completed)
            {
                return;
            }

            _completed = true;
            if (error is null)
            {
                _core.SetResult(true);
            }
            else
            {
                _core.SetException(error);
            }
        }
    }

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
