using MeshProxy.Configuration;
using MeshProxy.Observability;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MeshProxy.TrafficPolicy;

/// <summary>
/// Which destinations of one cluster take calls: neither ejected by outlier detection nor marked unhealthy by
/// active checks, or all of them in panic mode. Every change (ejection, return, health) rebuilds an immutable
/// array of the destinations to pick from and publishes it with one volatile write, so a pick reads one array and
/// allocates nothing (the model is YARP's ClusterDestinationsState).
/// </summary>
/// <remarks>
/// Decisions are taken under one lock per cluster; the request path only takes it when a failure counter reaches
/// its threshold. A timer ticks every <c>outlierDetection.interval</c> to return destinations whose ejection time
/// is over and to decay ejection multipliers, as Envoy's detector does.
/// </remarks>
internal sealed partial class ClusterAvailability : IDisposable
{
    private readonly Lock _lock = new();
    private readonly string _cluster;
    private readonly DestinationState[] _all;
    private readonly OutlierDetectionConfig _outlier;
    private readonly HealthCheckConfig? _healthCheck;
    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private volatile DestinationState[] _pickSet;
    private volatile bool _panic;
    private volatile int _availableCount;
    private volatile ILogger _logger = NullLogger.Instance;
    private volatile IEjectionListener? _listener;
    private bool _stopped;

    /// <summary>Adopts <paramref name="destinations"/> (some may come from the cluster's previous state) and starts the interval timer.</summary>
    public ClusterAvailability(ClusterConfig config, DestinationState[] destinations, TimeProvider time)
    {
        _cluster = config.Name;
        _all = destinations;
        _outlier = config.OutlierDetection;
        _healthCheck = config.HealthCheck;
        _time = time;
        _pickSet = destinations;
        lock (_lock)
        {
            var now = time.GetTimestamp();
            foreach (var destination in destinations)
            {
                destination.Availability = this;
                if (destination.WarmupStarted is null)
                {
                    // First seen (process start, a reload or discovery adding it); a kept destination keeps its warm-up.
                    destination.StartWarmup(now);
                }

                if (_healthCheck is null)
                {
                    // Health from a check that no longer exists would keep the destination out for ever.
                    destination.SetHealth(DestinationHealth.Unknown);
                    destination.ConsecutiveCheckFailures = 0;
                    destination.ConsecutiveCheckSuccesses = 0;
                }
            }

            Rebuild();
        }

        _timer = time.CreateTimer(static state => ((ClusterAvailability)state!).Tick(), this, _outlier.Interval, _outlier.Interval);
    }

    /// <summary>Every destination this availability owns, whatever its state.</summary>
    public IReadOnlyList<DestinationState> Destinations => _all;

    /// <summary>The destinations a pick chooses among: the available ones, or all of them in panic mode; may be empty.</summary>
    public IReadOnlyList<DestinationState> PickSet => _pickSet;

    /// <summary>True while fewer destinations are available than the panic threshold allows, so all of them are picked.</summary>
    public bool Panic => _panic;

    /// <summary>Destinations neither ejected nor unhealthy.</summary>
    public int AvailableCount => _availableCount;

    public HealthCheckConfig? HealthCheck => _healthCheck;

    public OutlierDetectionConfig OutlierDetection => _outlier;

    /// <summary>Where ejections and health changes are logged; the hosting layer sets it. Default none.</summary>
    public ILogger Logger
    {
        get => _logger;
        set => _logger = value;
    }

    /// <summary>Hears ejections and returns (metrics); the hosting layer sets it. Default none.</summary>
    public IEjectionListener? Listener
    {
        get => _listener;
        set => _listener = value;
    }

    /// <summary>Called on the request path after each gateway failure (discovery resolves early); null for none.</summary>
    internal Action? GatewayFailed { get; set; }

    /// <summary>How much longer <paramref name="destination"/> stays ejected; zero when it is not.</summary>
    public TimeSpan EjectionTimeLeft(DestinationState destination)
    {
        if (!destination.Ejected)
        {
            return TimeSpan.Zero;
        }

        var now = _time.GetTimestamp();
        var until = destination.EjectedUntil;
        return until > now ? _time.GetElapsedTime(now, until) : TimeSpan.Zero;
    }

    /// <summary>
    /// True while <paramref name="destination"/> is within <c>outlierDetection.warmup</c> of its first adoption, its
    /// last return from ejection or its last return to health: its own timeouts do not count against it meanwhile.
    /// </summary>
    public bool IsWarmingUp(DestinationState destination) =>
        _outlier.Warmup > TimeSpan.Zero
        && destination.WarmupStarted is { } started
        && _time.GetElapsedTime(started) < _outlier.Warmup;

    /// <summary>
    /// True when a timeout of ours against <paramref name="destination"/>, on a try that began at
    /// <paramref name="started"/>, is not counted: the destination is warming up and no other destination of the cluster
    /// has answered a try that began later. A slow (cold) sidecar times out against every destination alike; when a
    /// peer answered a later try in time, the sidecar was fast enough and this destination is the one that hangs.
    /// </summary>
    public bool ShieldsTimeout(DestinationState destination, long started)
    {
        if (!IsWarmingUp(destination))
        {
            return false;
        }

        return !PeerAnsweredLater(destination, started);
    }

    /// <summary>
    /// True when another destination of the cluster answered a try that began after <paramref name="started"/>: the
    /// sidecar got answers in time meanwhile, so a try at <paramref name="destination"/> that got none is that
    /// destination's doing, not ours. False for an unknown start (0).
    /// </summary>
    public bool PeerAnsweredLater(DestinationState destination, long started)
    {
        if (started == 0)
        {
            return false;
        }

        foreach (var peer in _all)
        {
            if (!ReferenceEquals(peer, destination) && peer.LastAnsweredTryStarted > started)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Stops acting on the destinations: the cluster was replaced by a reload (its successor adopts them) or disposed.</summary>
    public void Stop()
    {
        lock (_lock)
        {
            _stopped = true;
        }

        _timer.Dispose();
    }

    public void Dispose() => Stop();

    // Rebuilds the pick set from the destinations' state; call under the lock after any change.
    private void Rebuild()
    {
        var available = 0;
        foreach (var destination in _all)
        {
            available += destination.Available ? 1 : 0;
        }

        // Panic (Envoy's panic threshold, without its 1.4 overprovisioning factor: we have no priority levels): when
        // the available share falls below the threshold, spreading load over every destination beats piling it on
        // the few left. Zero available with panic off leaves the set empty, and the call fails UNAVAILABLE.
        var threshold = _outlier.PanicThreshold;
        var panic = threshold > 0 && _all.Length > 0 && available * 100 < threshold * _all.Length;
        DestinationState[] next;
        if (panic || available == _all.Length)
        {
            next = _all;
        }
        else
        {
            next = new DestinationState[available];
            var i = 0;
            foreach (var destination in _all)
            {
                if (destination.Available)
                {
                    next[i++] = destination;
                }
            }
        }

        if (panic != _panic)
        {
            if (panic)
            {
                TrafficPolicyHealthLog.PanicEntered(_logger, _cluster, available, _all.Length, threshold);
            }
            else
            {
                TrafficPolicyHealthLog.PanicLeft(_logger, _cluster, available, _all.Length);
            }
        }

        _availableCount = available;
        _panic = panic;
        _pickSet = next;
    }
}
