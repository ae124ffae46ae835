using MeshProxy.Admin;
using MeshProxy.Configuration;
using MeshProxy.Observability;
using MeshProxy.Routing;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.Logging;

namespace MeshProxy.Hosting;

/// <summary>
/// Runs the graceful drain once, whoever asks first (SIGTERM, <c>POST /drain</c>, <c>POST /quitquitquit</c>):
/// <list type="number">
/// <item>Readiness turns 503 at once, so the kubelet takes the pod out of its Services' endpoints.</item>
/// <item>Inbound calls are still served for <see cref="DrainConfig.PropagationDelay"/>: endpoint removal takes a
/// while to reach every kube-proxy and load balancer, and calls routed meanwhile must not fail.</item>
/// <item>The traffic server (gRPC and REST listeners) stops: its sockets close, so new connections are refused;
/// HTTP/2 connections get GOAWAY (RFC 9113 section 6.8) and finish their open streams; idle HTTP/1.1 connections close.</item>
/// <item>When the last call ends, or at <see cref="DrainConfig.Deadline"/> (the remaining connections are aborted,
/// which cancels their calls and the upstream calls behind them), <see cref="Completion"/> completes and the process
/// exits. The ops and admin listeners live on a separate server that outlives the drain, so <c>/healthz/live</c>
/// stays 200 until exit.</item>
/// </list>
/// The options are read from the live config when the drain starts.
/// </summary>
internal sealed class DrainCoordinator(
    ReadinessState readiness,
    ProxySnapshotProvider snapshots,
    TimeProvider time,
    ILogger<DrainCoordinator> logger) : IDisposable
{
    private readonly TaskCompletionSource<DrainOutcome> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _abandon = new();
    private IServer? _traffic;
    private int _started;

    /// <summary>True once a drain has started (it is never undone).</summary>
    public bool IsDraining => Volatile.Read(ref _started) != 0;

    /// <summary>Completes when the drain has ended and the process may exit.</summary>
    public Task<DrainOutcome> Completion => _completion.Task;

    /// <summary>The server whose listeners the drain closes; set before it starts.</summary>
    public void AttachTrafficServer(IServer traffic) => _traffic = traffic;

    /// <summary>Starts the drain unless one is running; returns its outcome either way.</summary>
    public Task<DrainOutcome> Start(DrainTrigger trigger)
    {
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            _ = RunAsync(trigger);
        }

        return _completion.Task;
    }

    private async Task RunAsync(DrainTrigger trigger)
    {
        var options = snapshots.Current?.Config.Drain ?? DrainConfig.Default;
        var started = time.GetTimestamp();
        try
        {
            // 1. Fail readiness first: everything after this only helps callers that have not noticed yet.
            readiness.MarkNotReady();
            DrainLog.DrainStarted(logger, Describe(trigger), Duration.Format(options.PropagationDelay), Duration.Format(options.Deadline));

            // 2. Keep serving while endpoint removal propagates.
            if (options.PropagationDelay > TimeSpan.Zero)
            {
                await Task.Delay(options.PropagationDelay, time, _abandon.Token).ConfigureAwait(false);
            }

            // 3. and 4. Kestrel's StopAsync unbinds, sends GOAWAY and waits for connections to finish; when the token
            // fires it aborts what is left. It returns either way (it does not throw on the token).
            DrainLog.ListenersClosing(logger);
            using var deadline = new CancellationTokenSource();
            using var abandoned = _abandon.Token.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), deadline);
            using (CancelNoEarlierThan(deadline, options.Deadline))
            {
                if (_traffic is { } traffic)
                {
                    await traffic.StopAsync(deadline.Token).ConfigureAwait(false);
                }
            }

            var elapsed = time.GetElapsedTime(started);
            var reached = deadline.IsCancellationRequested;
            if (reached)
            {
                DrainLog.DeadlineReached(logger, (long)elapsed.TotalMilliseconds);
            }
            else
            {
                DrainLog.Completed(logger, (long)elapsed.TotalMilliseconds);
            }

            _completion.TrySetResult(new DrainOutcome(trigger, reached, elapsed));
        }
        catch (OperationCanceledException) when (_abandon.IsCancellationRequested)
        {
            // The server is being disposed: it stops its listeners itself.
            _completion.TrySetResult(new DrainOutcome(trigger, DeadlineReached: false, time.GetElapsedTime(started)));
        }
        catch (Exception ex)
        {
            // The process must still exit: a failed stop ends the drain like a reached deadline.
            DrainLog.Failed(logger, ex);
            _completion.TrySetResult(new DrainOutcome(trigger, DeadlineReached: true, time.GetElapsedTime(started)));
        }
    }

    /// <summary>
    /// Cancels <paramref name="target"/> once <paramref name="after"/> has passed on <see cref="TimeProvider.GetTimestamp"/>,
    /// the clock the drain's elapsed time is reported on. A timer alone is not enough: .NET timers count in the coarse
    /// tick clock (4 ms steps on Linux), so one may fire a few milliseconds early, and in-flight calls would get less
    /// than the deadline they were promised while the outcome reports an elapsed time under it. One that fires early is
    /// set again for what is left.
    /// </summary>
    private ITimer CancelNoEarlierThan(CancellationTokenSource target, TimeSpan after)
    {
        var from = time.GetTimestamp();
        // Armed only once assigned, so the callback always sees it.
        ITimer? armed = null;
        armed = time.CreateTimer(
            _ =>
            {
                var left = after - time.GetElapsedTime(from);
                if (left > TimeSpan.Zero)
                {
                    // Whole milliseconds, rounded up: a timer set for less fires at once.
                    armed!.Change(TimeSpan.FromMilliseconds(Math.Ceiling(left.TotalMilliseconds)), Timeout.InfiniteTimeSpan);
                    return;
                }

                try
                {
                    target.Cancel();
                }
                catch (ObjectDisposedException)
                {
                    // The stop ended as the deadline came: nothing is left to cut.
                }
            },
            null,
            Timeout.InfiniteTimeSpan,
            Timeout.InfiniteTimeSpan);
        armed.Change(after, Timeout.InfiniteTimeSpan);
        return armed;
    }

    /// <summary>
    /// Cuts a running drain short: the server is being disposed and stops its listeners itself. The source is not
    /// disposed, since a drain still running may read its token; it owns no timer.
    /// </summary>
    public void Dispose() => _abandon.Cancel();

    private static string Describe(DrainTrigger trigger) => trigger switch
    {
        DrainTrigger.Signal => "a signal (SIGTERM/SIGINT)",
        DrainTrigger.DrainEndpoint => "POST /drain",
        DrainTrigger.QuitEndpoint => "POST /quitquitquit",
        _ => trigger.ToString(),
    };
}
