using MeshProxy.Grpc;

namespace MeshProxy.TrafficPolicy;

/// <summary>
/// One try of a <see cref="ProxyCall"/> at one destination: where it went, when it started, why it was sent, and what
/// it said about the destination. The call's first try and every retry or hedge get one; outlier detection reads
/// <see cref="Outcome"/> and <see cref="LocalOrigin"/>, telemetry reads the rest once the call has ended.
/// </summary>
internal sealed class CallAttempt
{
    private int _released;
    private IDisposable? _retrySlot;

    public CallAttempt(int number, ClusterState cluster, DestinationState destination, long started, string? reason)
    {
        Number = number;
        Cluster = cluster;
        Destination = destination;
        Started = started;
        Reason = reason;
    }

    /// <summary>1 for the first try; a retry or hedge counts on.</summary>
    public int Number { get; }

    public ClusterState Cluster { get; }

    public DestinationState Destination { get; }

    /// <summary>When the try started (a <see cref="TimeProvider"/> timestamp).</summary>
    public long Started { get; }

    /// <summary>Why the try was sent: null for the first, else the retryOn name of the failure before it, or <c>hedge</c>.</summary>
    public string? Reason { get; }

    /// <summary>What outlier detection was told about this try; null until recorded (or when it says nothing: cancelled).</summary>
    public AttemptOutcome? Outcome { get; private set; }

    /// <summary>
    /// True when the try failed without an answer from the backend: a per-try timeout, the call's deadline, a connect
    /// failure, a refused stream or a connection lost before response headers (Envoy's locally originated errors).
    /// False for every answer the backend sent (a grpc-status, an HTTP 5xx). Meaningful once <see cref="Outcome"/> is set.
    /// </summary>
    public bool LocalOrigin { get; private set; }

    /// <summary>The status the try ended with when the call moved past it (a failed try, a lost hedge); null for the try the caller got.</summary>
    public StatusCode? Status { get; private set; }

    /// <summary>How long the try took when the call moved past it; null for the try the caller got (timed to the call's end).</summary>
    public TimeSpan? Duration { get; private set; }

    /// <summary>Tells the destination's outlier detection what this try said, once.</summary>
    public void Record(AttemptOutcome outcome, bool localOrigin)
    {
        if (Outcome is not null)
        {
            return;
        }

        Outcome = outcome;
        LocalOrigin = localOrigin;
        Destination.Record(outcome, localOrigin, Started);
    }

    /// <summary>
    /// Tells outlier detection that the caller cancelled this try at its own deadline with no answer from the
    /// destination (<see cref="DestinationState.RecordCallerDeadline"/>): a local-origin timeout when a peer answered a
    /// later try, else nothing.
    /// </summary>
    public void RecordCallerDeadline()
    {
        if (Outcome is null && Destination.RecordCallerDeadline(Started))
        {
            Outcome = AttemptOutcome.ServerError;
            LocalOrigin = true;
        }
    }

    /// <summary>The call moved past this try: it failed (and may be retried) or lost a hedge race.</summary>
    internal void Close(StatusCode status, TimeSpan duration)
    {
        Status = status;
        Duration = duration;
    }

    /// <summary>Holds the circuit breaker's retry slot this try took (a retry or hedge); freed when the try is released.</summary>
    internal void HoldRetrySlot(IDisposable? slot) => _retrySlot = slot;

    /// <summary>Counts the try in flight at its cluster (keeps the client alive) and destination (least-request picks).</summary>
    internal void Begin()
    {
        Cluster.BeginCall();
        Destination.RequestStarted();
    }

    /// <summary>Stops counting the try; safe to call more than once (a lost hedge and the call's end both release).</summary>
    internal void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            Destination.RequestEnded();
            Cluster.EndCall();
            _retrySlot?.Dispose();
        }
    }
}
