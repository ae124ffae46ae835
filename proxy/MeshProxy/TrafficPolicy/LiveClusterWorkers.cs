using MeshProxy.Configuration.Reload;
using Microsoft.Extensions.Hosting;

namespace MeshProxy.TrafficPolicy;

/// <summary>
/// A hosted service that keeps one worker (a health checker, a discovery watcher) per live cluster that needs one.
/// After every applied config it calls <see cref="Sync"/>, which starts workers for new or rebuilt clusters and stops
/// those of clusters that left or were rebuilt (a rebuilt cluster is a new <see cref="ClusterState"/>, so its worker
/// restarts on it). Stopping and disposing end the follow loop and every worker.
/// </summary>
internal abstract class LiveClusterWorkers<TWorker>(ConfigReloader reloader) : IHostedService, IDisposable
    where TWorker : class, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;
    private int _disposed;

    /// <summary>Guards <see cref="Workers"/>; held by <see cref="Sync"/> while it changes them.</summary>
    protected Lock SyncLock { get; } = new();

    /// <summary>The workers by the cluster state they serve; read and written under <see cref="SyncLock"/>.</summary>
    protected Dictionary<ClusterState, TWorker> Workers { get; } = [];

    /// <summary>True once stopping has begun: <see cref="Sync"/> then starts nothing.</summary>
    protected bool Stopping => _stopping.IsCancellationRequested;

    /// <summary>The worker of a live cluster by name, or null (tests wait on what it does).</summary>
    protected TWorker? WorkerOf(string cluster)
    {
        lock (SyncLock)
        {
            return Workers.FirstOrDefault(w => w.Key.Name == cluster).Value;
        }
    }

    public virtual Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = FollowAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping: the loop ends on its token.
        }

        StopAll();
    }

    public void Dispose()
    {
        // The container disposes this twice: as itself and as the IHostedService its factory returned.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stopping.Cancel();
        StopAll();
        _stopping.Dispose();
    }

    /// <summary>Brings the workers in line with the live clusters; called under no lock.</summary>
    internal abstract void Sync();

    /// <summary>Logs a <see cref="Sync"/> that threw; the loop goes on with the next applied config.</summary>
    protected abstract void OnSyncFailed(Exception exception);

    /// <summary>Under <see cref="SyncLock"/>: stops the workers whose cluster left, was rebuilt, or <paramref name="all"/>.</summary>
    protected void StopStale(IReadOnlyDictionary<string, ClusterState> live, bool all = false)
    {
        foreach (var (cluster, worker) in Workers.ToList())
        {
            if (all || !live.TryGetValue(cluster.Name, out var current) || !ReferenceEquals(current, cluster))
            {
                worker.Dispose();
                Workers.Remove(cluster);
            }
        }
    }

    private async Task FollowAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            // Take the signal before syncing, so an edit applied during the sync wakes the next pass.
            var next = reloader.NextChange;
            try
            {
                Sync();
            }
            catch (Exception ex)
            {
                OnSyncFailed(ex);
            }

            try
            {
                await next.WaitAsync(stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private void StopAll()
    {
        lock (SyncLock)
        {
            foreach (var worker in Workers.Values)
            {
                worker.Dispose();
            }

            Workers.Clear();
        }
    }
}
