using MeshProxy.Configuration;
using MeshProxy.Observability;
using MeshProxy.Security;
using Microsoft.Extensions.Logging;

namespace MeshProxy.TrafficPolicy.Health;

/// <summary>
/// Probes every destination of one cluster each <c>healthCheck.interval</c> (the first round at once) and reports
/// each result to the cluster's <see cref="ClusterAvailability"/>. A round still running when the timer fires again
/// is not doubled. Never throws on the timer thread.
/// </summary>
internal sealed class ClusterHealthChecker : IDisposable
{
    private readonly ClusterState _cluster;
    private readonly HealthCheckConfig _config;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IHealthProbe _probe;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ITimer _timer;
    private Task _lastRound = Task.CompletedTask;
    private int _running;

    public ClusterHealthChecker(ClusterState cluster, HealthCheckConfig config, TimeProvider time, ILogger logger, WorkloadIdentity? identity = null)
    {
        _cluster = cluster;
        _config = config;
        _time = time;
        _logger = logger;
        _probe = config.GrpcService is not null
            ? new GrpcHealthProbe(config, cluster.Config, identity)
            : new HttpHealthProbe(config, cluster.Config, identity);
        TrafficPolicyHealthLog.HealthCheckerStarted(logger, cluster.Name, config.GrpcService is not null ? "grpc" : "http", config.Interval);
        _timer = time.CreateTimer(static state => ((ClusterHealthChecker)state!).StartRound(), this, TimeSpan.Zero, config.Interval);
    }

    public ClusterState Cluster => _cluster;

    /// <summary>The latest round, started by the timer; completes when each of its probes has been reported.</summary>
    public Task LastRound => Volatile.Read(ref _lastRound);

    /// <summary>Starts a round unless one is running; returns the running or started round.</summary>
    public Task StartRound()
    {
        if (_stopping.IsCancellationRequested || Interlocked.Exchange(ref _running, 1) == 1)
        {
            return LastRound;
        }

        var round = RunRoundAsync();
        Volatile.Write(ref _lastRound, round);
        return round;
    }

    public void Dispose()
    {
        _timer.Dispose();
        _stopping.Cancel();
        _probe.Dispose();

        // _stopping is not disposed: probes still finishing read its token.
        TrafficPolicyHealthLog.HealthCheckerStopped(_logger, _cluster.Name);
    }

    private async Task RunRoundAsync()
    {
        try
        {
            // Read each round: discovery may have replaced the set since the last one.
            var destinations = _cluster.Destinations;
            var probes = new Task[destinations.Count];
            for (var i = 0; i < probes.Length; i++)
            {
                probes[i] = ProbeAsync(destinations[i]);
            }

            await Task.WhenAll(probes).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    private async Task ProbeAsync(DestinationState destination)
    {
        var stopping = _stopping.Token;
        using var timeout = new CancellationTokenSource(_config.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, timeout.Token);
        string? failure;
        try
        {
            // Yield first so that a round started on a timer thread never runs probes inline on it.
            await Task.Yield();
            failure = await _probe.ProbeAsync(destination, linked.Token).ConfigureAwait(false);
        }
        catch (Exception) when (stopping.IsCancellationRequested)
        {
            return;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            failure = $"no answer within {Duration.Format(_config.Timeout)}";
        }
        catch (Exception ex)
        {
            failure = ex.Message;
        }

        // A probe cancelled by the timeout may still surface as a failure status (CANCELLED) rather than an exception.
        if (timeout.IsCancellationRequested && failure is not null)
        {
            failure = $"no answer within {Duration.Format(_config.Timeout)}";
        }

        if (!stopping.IsCancellationRequested)
        {
            // The destination's own availability: the cluster's may have been replaced by discovery meanwhile, and a
            // removed destination's (stopped) one ignores the result.
            (destination.Availability ?? _cluster.Availability).OnProbe(destination, failure);
        }
    }
}
