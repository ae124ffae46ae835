using MeshProxy.Configuration;
using MeshProxy.Observability.Metrics;
using MeshProxy.Routing;
using Microsoft.Extensions.Logging;

namespace MeshProxy.TrafficPolicy.Retries;

/// <summary>
/// The retry state of one call, created by the gRPC endpoint when the route retries and handed to
/// <see cref="RetryHandler"/> through <see cref="HttpRequestMessage.Options"/>: the policy, where the call is now
/// (cluster and destination, whose in-flight counts follow every attempt), what was tried, the deadline, the replay
/// buffer and the budget slot it holds.
/// </summary>
internal sealed class RetryCall : IDisposable
{
    /// <summary>The option key under which YARP's request message carries the call to <see cref="RetryHandler"/>.</summary>
    public static readonly HttpRequestOptionsKey<RetryCall> OptionKey = new("MeshProxy.RetryCall");

    private readonly List<DestinationState> _tried = new(2);
    private readonly List<ClusterState> _triedClusters = new(1);
    private readonly List<IDisposable> _owned = [];
    private ClusterState? _budgetCluster;
    private long _deadlineStart;
    private TimeSpan? _deadline;

    /// <param name="route">The route's name (logs).</param>
    /// <param name="policy">The route's retry policy; enabled.</param>
    /// <param name="backends">The route's backends, for failover.</param>
    /// <param name="cluster">The cluster the backend pick chose; its client forwards the first attempt.</param>
    /// <param name="destination">The first attempt's destination; its in-flight count was started.</param>
    /// <param name="pathAndQuery">The caller's :path (and query), appended to a retry's destination prefix.</param>
    /// <param name="time">Backoff and per-try timers; the deadline's clock.</param>
    /// <param name="random">Backoff jitter; safe for concurrent use.</param>
    /// <param name="logger">Retry events.</param>
    public RetryCall(
        string route,
        RetryPolicy policy,
        BackendPicker backends,
        ClusterState cluster,
        DestinationState destination,
        string pathAndQuery,
        TimeProvider time,
        Random random,
        ILogger logger)
    {
        Route = route;
        Policy = policy;
        Backends = backends;
        FirstCluster = cluster;
        Cluster = cluster;
        Destination = destination;
        PathAndQuery = pathAndQuery;
        Time = time;
        Random = random;
        Logger = logger;
        Body = new ReplayBody(policy.Config.BufferLimit);
        _tried.Add(destination);
        _triedClusters.Add(cluster);
    }

    public string Route { get; }

    public RetryPolicy Policy { get; }

    public BackendPicker Backends { get; }

    /// <summary>The cluster whose client YARP called: attempts there go straight to its inner handler.</summary>
    public ClusterState FirstCluster { get; }

    /// <summary>Where the current (or last) attempt went; release its counts when the call ends.</summary>
    public ClusterState Cluster { get; private set; }

    /// <inheritdoc cref="Cluster"/>
    public DestinationState Destination { get; private set; }

    public string PathAndQuery { get; }

    public TimeProvider Time { get; }

    public Random Random { get; }

    public ILogger Logger { get; }

    public ReplayBody Body { get; }

    /// <summary>Retry and per-attempt metrics; null when the host has none (unit tests).</summary>
    public MeshProxyMetrics? Metrics { get; init; }

    /// <summary>The call's telemetry feature: each retry counts as one more attempt there.</summary>
    public RoutedCall? Routed { get; init; }

    /// <summary>Attempts started so far.</summary>
    public int Attempts { get; private set; } = 1;

    /// <summary>
    /// True when the last attempt's outcome was recorded by the retry loop already (it failed, and the call then
    /// ended during the backoff or with a status the proxy made up), so the endpoint must not record it again.
    /// </summary>
    public bool LastAttemptRecorded { get; private set; }

    public IReadOnlyList<DestinationState> Tried => _tried;

    /// <summary>The call's deadline, when it has one (the endpoint sets it before forwarding).</summary>
    public void SetDeadline(long startTimestamp, TimeSpan timeout)
    {
        _deadlineStart = startTimestamp;
        _deadline = timeout;
    }

    /// <summary>Time left of the call's deadline; null without one.</summary>
    public TimeSpan? Remaining() => _deadline is { } timeout ? timeout - Time.GetElapsedTime(_deadlineStart) : null;

    /// <summary>Records the outcome of the attempt now ending, once, at its destination.</summary>
    public void RecordAttempt(AttemptOutcome outcome)
    {
        if (!LastAttemptRecorded)
        {
            Destination.Record(outcome);
            LastAttemptRecorded = true;
        }
    }

    /// <summary>
    /// The cluster a retry goes to: the current one, or with failover the first of the route's other clusters not
    /// tried yet (config order), falling back to the current one when all were tried.
    /// </summary>
    public ClusterState NextCluster()
    {
        if (!Policy.Config.Failover)
        {
            return Cluster;
        }

        foreach (var candidate in Backends.Clusters)
        {
            if (!_triedClusters.Contains(candidate) && candidate.Destinations.Count > 0)
            {
                return candidate;
            }
        }

        return Cluster;
    }

    /// <summary>
    /// Takes a budget slot in <paramref name="cluster"/> for the next retry, giving back the one held for the previous
    /// retry; a retry after <paramref name="failure"/> that needs none (<see cref="RetryBudget.TakesSlot"/>) takes none.
    /// </summary>
    public bool TryAcquireBudget(ClusterState cluster, RetryOn? failure)
    {
        ReleaseBudget();
        if (!RetryBudget.TakesSlot(failure))
        {
            return true;
        }

        if (!cluster.RetryBudget.TryAcquire(cluster.ActiveCalls))
        {
            return false;
        }

        _budgetCluster = cluster;
        return true;
    }

    /// <summary>Starts the next attempt at <paramref name="destination"/>: the in-flight counts move with it.</summary>
    public void MoveTo(ClusterState cluster, DestinationState destination)
    {
        cluster.BeginCall();
        destination.RequestStarted();
        Destination.RequestEnded();
        Cluster.EndCall();
        Cluster = cluster;
        Destination = destination;
        if (!_tried.Contains(destination))
        {
            _tried.Add(destination);
        }

        if (!_triedClusters.Contains(cluster))
        {
            _triedClusters.Add(cluster);
        }

        Attempts++;
        LastAttemptRecorded = false;
        Routed?.Attempted(destination, Time.GetTimestamp());
    }

    /// <summary>Disposed with the call (retry request messages, linked token sources).</summary>
    public void Own(IDisposable disposable) => _owned.Add(disposable);

    public void Dispose()
    {
        ReleaseBudget();
        Body.Dispose();
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }

        _owned.Clear();
    }

    private void ReleaseBudget()
    {
        _budgetCluster?.RetryBudget.Release();
        _budgetCluster = null;
    }
}
