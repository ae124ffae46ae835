using System.Collections.Concurrent;
using System.Diagnostics;
using MeshProxy.FunctionalTests.Reload;
using Grpc.Core;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.Discovery;

/// <summary>
/// Callers that keep a discovered cluster busy during a rollout: each loop makes GetUser calls until stopped,
/// counting calls, keeping every failure, and noting when each pod first served, so a test can measure how long a new
/// pod took to receive traffic.
/// </summary>
internal sealed class RolloutLoad : IAsyncDisposable
{
    private readonly ConcurrentDictionary<int, long> _firstServed = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource> _serving = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _loops;

    public RolloutLoad(Func<Task<(StatusCode Status, int Pod)>> call, int callers)
    {
        _loops = [.. Enumerable.Range(0, callers).Select(_ => Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                var (status, pod) = await call();
                if (status != StatusCode.OK)
                {
                    Failures.Enqueue(status);
                }
                else if (_firstServed.TryAdd(pod, Stopwatch.GetTimestamp()))
                {
                    Serving(pod).TrySetResult();
                }

                Calls.Increment();
            }
        }))];
    }

    public CallCounter Calls { get; } = new();

    public ConcurrentQueue<StatusCode> Failures { get; } = new();

    /// <summary>Waits (bounded) for the first call <paramref name="pod"/> serves; returns the time since <paramref name="since"/> (a Stopwatch timestamp).</summary>
    public async Task<TimeSpan> FirstServedAsync(int pod, long since)
    {
        await Serving(pod).Task.DefaultTimeout();
        return Stopwatch.GetElapsedTime(since, _firstServed[pod]);
    }

    /// <summary>Stops the callers and waits (bounded) for their last calls.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_loops).DefaultTimeout();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }

        _stop.Dispose();
    }

    /// <summary>Waits (bounded) until <paramref name="condition"/> holds, yielding between checks.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition)
    {
        var wait = Task.Run(async () =>
        {
            while (!condition())
            {
                await Task.Yield();
            }
        });
        await wait.DefaultTimeout();
    }

    private TaskCompletionSource Serving(int pod) => _serving.GetOrAdd(pod, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));
}
