namespace MeshProxy.TrafficPolicy;

/// <summary>
/// One upstream endpoint of a cluster: the live count of calls in flight to it, its passive-health counters, its
/// ejection and its active-health state. A reload that keeps the destination (same name and address) keeps this
/// object, so ejections and health survive a change elsewhere in the cluster's config.
/// </summary>
/// <remarks>
/// The counters are written lock-free on the request path. Ejection and health fields are written only under the
/// owning <see cref="ClusterAvailability"/>'s lock and read anywhere without one (admin, tests).
/// </remarks>
internal sealed class DestinationState(string name, string prefix)
{
    private int _inFlight;
    private int _consecutiveGatewayFailures;
    private int _consecutiveServerErrors;
    private int _consecutiveLocalOriginFailures;
    private volatile ClusterAvailability? _availability;

    // Outlier ejection, written under the availability lock.
    private long _ejectedUntil;
    private volatile bool _ejected;
    private int _ejectionMultiplier;
    private int _timesEjected;

    // The start (a TimeProvider timestamp) of the latest-started try this destination answered with a success: proof,
    // to a peer's timeout during warm-up, that the sidecar gets answers in time. 0 before any.
    private long _lastAnsweredTryStarted;

    // Warm-up start (a TimeProvider timestamp), written under the availability lock; unset until a cluster adopts it.
    private long _warmupStarted;
    private volatile bool _warmupSet;

    // Active health, written under the availability lock.
    private volatile DestinationHealth _health;
    private int _consecutiveCheckFailures;
    private int _consecutiveCheckSuccesses;

    public string Name { get; } = name;

    /// <summary>The URI prefix the forwarder puts before the request's :path, without a trailing slash.</summary>
    public string Prefix { get; } = prefix;

    /// <summary>The upstream request URI of each method called here, made once.</summary>
    public UpstreamUris Uris { get; } = new(prefix);

    /// <summary>Calls forwarded to this destination that have not fully ended (streams included).</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Gateway failures since the last attempt that was not one (reset when they trigger an ejection).</summary>
    public int ConsecutiveGatewayFailures => Volatile.Read(ref _consecutiveGatewayFailures);

    /// <summary>Server errors (gateway failures included) since the last successful attempt (reset when they trigger an ejection).</summary>
    public int ConsecutiveServerErrors => Volatile.Read(ref _consecutiveServerErrors);

    /// <summary>
    /// Local-origin failures since the last attempt the backend answered (reset when they trigger an ejection); only
    /// counted when the cluster splits local-origin errors from the backend's own.
    /// </summary>
    public int ConsecutiveLocalOriginFailures => Volatile.Read(ref _consecutiveLocalOriginFailures);

    /// <summary>When the latest-started try this destination answered successfully began (a <see cref="TimeProvider"/> timestamp); 0 before any.</summary>
    public long LastAnsweredTryStarted => Volatile.Read(ref _lastAnsweredTryStarted);

    /// <summary>When the current warm-up began (a <see cref="TimeProvider"/> timestamp); null before a cluster adopted the destination.</summary>
    public long? WarmupStarted => _warmupSet ? Volatile.Read(ref _warmupStarted) : null;

    /// <summary>True while outlier detection keeps this destination out of the picks.</summary>
    public bool Ejected => _ejected;

    /// <summary>When the current ejection ends (a <see cref="TimeProvider.GetTimestamp"/> value); meaningless when not ejected.</summary>
    public long EjectedUntil
    {
        get => Volatile.Read(ref _ejectedUntil);
        internal set => Volatile.Write(ref _ejectedUntil, value);
    }

    /// <summary>The ejection multiplier: the next ejection lasts base time × (this + 1), capped. Decays by one per healthy interval.</summary>
    public int EjectionMultiplier
    {
        get => Volatile.Read(ref _ejectionMultiplier);
        internal set => Volatile.Write(ref _ejectionMultiplier, value);
    }

    /// <summary>Ejections since the destination was first seen (never decays).</summary>
    public int TimesEjected => Volatile.Read(ref _timesEjected);

    /// <summary>What active health checks say; <see cref="DestinationHealth.Unknown"/> counts as healthy.</summary>
    public DestinationHealth Health => _health;

    /// <summary>Neither ejected nor actively unhealthy.</summary>
    public bool Available => !_ejected && _health != DestinationHealth.Unhealthy;

    /// <summary>Set by the cluster's availability while an ejection of this interval is fresh (multiplier decay skips it).</summary>
    internal bool EjectedThisInterval { get; set; }

    internal int ConsecutiveCheckFailures
    {
        get => _consecutiveCheckFailures;
        set => _consecutiveCheckFailures = value;
    }

    internal int ConsecutiveCheckSuccesses
    {
        get => _consecutiveCheckSuccesses;
        set => _consecutiveCheckSuccesses = value;
    }

    /// <summary>The availability tracker of the cluster that owns this destination now; set when a cluster adopts it.</summary>
    internal ClusterAvailability? Availability
    {
        get => _availability;
        set => _availability = value;
    }

    /// <summary>Call before forwarding starts; pair with <see cref="RequestEnded"/> in a <c>finally</c>.</summary>
    public void RequestStarted() => Interlocked.Increment(ref _inFlight);

    /// <summary>Call once the call has fully ended, whatever the outcome.</summary>
    public void RequestEnded() => Interlocked.Decrement(ref _inFlight);

    /// <summary>
    /// Records what one attempt at this destination said about its health (passive health). A failure that brings
    /// a counter exactly to its threshold ejects at once (as Envoy does), not at the next interval.
    /// </summary>
    /// <param name="outcome">What the attempt said.</param>
    /// <param name="localOrigin">
    /// True when the failure came from our side (<see cref="CallAttempt.LocalOrigin"/>): with the split on (the default)
    /// it counts only toward the local-origin counter, and a timeout of ours during warm-up counts toward nothing
    /// unless another destination answered a try that started after this one (<see cref="ClusterAvailability.ShieldsTimeout"/>).
    /// </param>
    /// <param name="started">When the try began (a <see cref="TimeProvider"/> timestamp); 0 when unknown.</param>
    public void Record(AttemptOutcome outcome, bool localOrigin = false, long started = 0)
    {
        var availability = _availability;
        if (outcome == AttemptOutcome.Success)
        {
            NoteAnswered(started);
            Volatile.Write(ref _consecutiveGatewayFailures, 0);
            Volatile.Write(ref _consecutiveServerErrors, 0);
            Volatile.Write(ref _consecutiveLocalOriginFailures, 0);
            return;
        }

        if (localOrigin)
        {
            // A local-origin server error is a timeout of ours (per-try or the call's deadline): on a cold sidecar it
            // says more about us than about the backend, so a warming destination does not count it, unless a peer
            // answered a later try in time (then we are not too slow: this destination is). A connect failure or a
            // reset still counts: a closed port is not a symptom of our own slowness.
            if (outcome == AttemptOutcome.ServerError && availability is not null && availability.ShieldsTimeout(this, started))
            {
                return;
            }

            if (availability?.OutlierDetection.SplitExternalLocalOriginErrors ?? true)
            {
                var localFailures = Interlocked.Increment(ref _consecutiveLocalOriginFailures);
                availability?.OnLocalOriginFailure(this, outcome, localFailures);
                return;
            }
        }
        else
        {
            // The backend answered, so the path to it works: Envoy's local-origin success ends a local-origin run.
            Volatile.Write(ref _consecutiveLocalOriginFailures, 0);
        }

        if (outcome == AttemptOutcome.ServerError)
        {
            Volatile.Write(ref _consecutiveGatewayFailures, 0);
            var serverErrors = Interlocked.Increment(ref _consecutiveServerErrors);
            availability?.OnFailure(this, 0, serverErrors);
        }
        else
        {
            var gatewayFailures = Interlocked.Increment(ref _consecutiveGatewayFailures);
            var errors = Interlocked.Increment(ref _consecutiveServerErrors);
            availability?.OnFailure(this, gatewayFailures, errors);
        }
    }

    /// <summary>
    /// Records a try its caller cancelled at the caller's own deadline before this destination sent response headers
    /// (issue 12): a timeout all the same, but one the caller's timer ended rather than ours, which usually fires a
    /// moment later, so it used to say nothing. It counts as a local-origin timeout, exactly as if our timer had ended
    /// the try, but only when a peer answered a try that began after it: then the sidecar and the path were fast
    /// enough, and the silence is this destination's. Without that proof (a peer no faster, a slow sidecar) it says
    /// nothing, whether or not the destination is warming up.
    /// </summary>
    /// <param name="started">When the try began (a <see cref="TimeProvider"/> timestamp).</param>
    /// <returns>True when it was recorded.</returns>
    public bool RecordCallerDeadline(long started)
    {
        if (_availability is not { } availability || !availability.PeerAnsweredLater(this, started))
        {
            return false;
        }

        Record(AttemptOutcome.ServerError, localOrigin: true, started);
        return true;
    }

    /// <summary>Notes that a try begun at <paramref name="started"/> got its answer (0: unknown, ignored).</summary>
    /// <remarks>Keeps the latest start; a lost race between two answers only keeps a slightly older one, which is harmless.</remarks>
    internal void NoteAnswered(long started)
    {
        if (started > Volatile.Read(ref _lastAnsweredTryStarted))
        {
            Volatile.Write(ref _lastAnsweredTryStarted, started);
        }
    }

    /// <summary>Starts counting afresh after an ejection decision (Envoy resets the counters it acted on).</summary>
    internal void ResetConsecutive()
    {
        Volatile.Write(ref _consecutiveGatewayFailures, 0);
        Volatile.Write(ref _consecutiveServerErrors, 0);
        Volatile.Write(ref _consecutiveLocalOriginFailures, 0);
    }

    /// <summary>Starts a warm-up at <paramref name="now"/>: on first adoption, after an ejection, after active health returns it.</summary>
    internal void StartWarmup(long now)
    {
        Volatile.Write(ref _warmupStarted, now);
        _warmupSet = true;
    }

    internal void MarkEjected(long until, int multiplier)
    {
        EjectedUntil = until;
        EjectionMultiplier = multiplier;
        Interlocked.Increment(ref _timesEjected);
        EjectedThisInterval = true;
        _ejected = true;
    }

    internal void MarkReturned() => _ejected = false;

    internal void SetHealth(DestinationHealth health) => _health = health;
}
