namespace MeshProxy.Configuration.Reload;

/// <summary>
/// Decides when to look at the config file: <see cref="Signal"/> (a file-system event) arms a debounce timer that
/// restarts on every further event, so a burst of writes (an editor's save, kubelet's symlink swap) is read once,
/// after it is quiet; and a periodic poll looks regardless, the backstop for a missed event. Time is injected so the
/// schedule is testable; the check itself runs on a timer thread and never concurrently with itself.
/// </summary>
internal sealed class ReloadTrigger : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Action _check;
    private readonly TimeSpan _debounce;
    private readonly ITimer _debounceTimer;
    private readonly ITimer _pollTimer;
    private bool _disposed;

    public ReloadTrigger(TimeProvider time, TimeSpan debounce, TimeSpan pollInterval, Action check)
    {
        _check = check;
        _debounce = debounce;
        _debounceTimer = time.CreateTimer(static s => ((ReloadTrigger)s!).Fire(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _pollTimer = time.CreateTimer(static s => ((ReloadTrigger)s!).Fire(), this, pollInterval, pollInterval);
    }

    /// <summary>Something changed: check once no further signal came for the debounce time.</summary>
    public void Signal() => _debounceTimer.Change(_debounce, Timeout.InfiniteTimeSpan);

    public void Dispose()
    {
        _debounceTimer.Dispose();
        _pollTimer.Dispose();
        lock (_lock)
        {
            _disposed = true;
        }
    }

    private void Fire()
    {
        // Both timers may fire at once; the lock keeps checks in order and stops them after Dispose.
        lock (_lock)
        {
            if (!_disposed)
            {
                _check();
            }
        }
    }
}
