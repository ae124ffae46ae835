namespace MeshProxy.FunctionalTests.Reload;

/// <summary>Counts completed calls of a load loop and lets a test wait for progress without polling a clock.</summary>
internal sealed class CallCounter
{
    private readonly Lock _lock = new();
    private readonly List<(int Target, TaskCompletionSource Done)> _waiters = [];
    private int _count;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _count;
            }
        }
    }

    public void Increment()
    {
        lock (_lock)
        {
            _count++;
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Target <= _count)
                {
                    _waiters[i].Done.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    /// <summary>Completes once <paramref name="more"/> further calls have completed.</summary>
    public Task WaitForMoreAsync(int more)
    {
        lock (_lock)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((_count + more, done));
            return done.Task;
        }
    }
}
