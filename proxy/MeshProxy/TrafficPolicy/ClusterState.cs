using MeshProxy.Configuration;
using MeshProxy.TrafficPolicy.CircuitBreaking;
using MeshProxy.TrafficPolicy.Retries;

namespace MeshProxy.TrafficPolicy;

/// <summary>
/// The live side of a cluster: its HTTP client, destinations and their availability. Built from an immutable <see cref="ClusterConfig"/>
/// and kept across config reloads while that config is equal, so warm HTTP/2 connections survive a reload.
/// </summary>
internal sealed class ClusterState : IDisposable
{
    private readonly IDestinationPicker _picker;
    private readonly TimeProvider _time;

    // Serializes destination-set replacements (discovery) with the hand-over to a successor (reload).
    private readonly Lock _membersLock = new();

    // The destinations and their availability, replaced as one (ReplaceDestinations): a call reads it once.
    private volatile ClusterAvailability _availability;
    private TaskCompletionSource _gatewayFailure = NewSignal();
    private bool _superseded;

    // Calls in flight on this cluster's client; a retired cluster disposes its client once this reaches zero, so a
    // reload never breaks a live stream. -1 once disposed.
    private int _inFlight;
    private volatile bool _retired;

    /// <param name="config">The cluster's config.</param>
    /// <param name="client">The cluster's HTTP client.</param>
    /// <param name="random">Randomness for powerOfTwoChoices; safe for concurrent use. Default <see cref="Random.Shared"/>.</param>
    /// <param name="time">Clock of ejections and of the outlier interval. Default <see cref="TimeProvider.System"/>.</param>
    /// <param name="previous">
    /// The state of the same cluster before a reload changed its config: destinations with the same name and address
    /// are kept (with their in-flight counts, ejections and health), and the previous state stops acting on them. A
    /// discovered cluster whose source did not change starts from its predecessor's discovered destinations.
    /// </param>
    public ClusterState(ClusterConfig config, ClusterClient client, Random? random = null, TimeProvider? time = null, ClusterState? previous = null)
    {
        Config = config;
        Client = client;
        _time = time ?? TimeProvider.System;
        IReadOnlyList<DestinationConfig> initial = config.Destinations;
        IReadOnlyList<DestinationState> adoptable = [];
        ClusterAvailability? before = null;
        if (previous is not null)
        {
            (adoptable, before) = previous.Supersede();
            if (config.Discovered)
            {
                initial = SameSource(previous.Config, config) ? [.. adoptable.Select(d => new DestinationConfig(d.Name, d.Prefix))] : [];
            }
        }

        _availability = Build(initial, adoptable, before);
        var ramp = config.SlowStart is { } slowStart ? new SlowStartRamp(slowStart, _time) : null;
        _picker = config.LoadBalancing switch
        {
            LoadBalancingKind.RoundRobin => new RoundRobinPicker(ramp, random),
            LoadBalancingKind.LeastRequests => new LeastRequestsPicker(ramp),
            LoadBalancingKind.PowerOfTwoChoices => new PowerOfTwoChoicesPicker(random ?? Random.Shared, ramp),
            _ => throw new ArgumentOutOfRangeException(nameof(config), config.LoadBalancing, "Unknown load-balancing policy."),
        };
        RetryBudget = new RetryBudget(config.RetryBudget, _time);
        CircuitBreaker = CircuitBreaker.For(config.CircuitBreakers, previous?.CircuitBreaker);
    }

    /// <summary>Calls, pending calls and retries in flight at most; kept across a reload that leaves its settings equal.</summary>
    public CircuitBreaker CircuitBreaker { get; }

    /// <summary>The cap on retries in flight in this cluster.</summary>
    public RetryBudget RetryBudget { get; }

    /// <summary>Calls using this cluster now (its retries included): the base of the retry budget.</summary>
    public int ActiveCalls => Math.Max(0, Volatile.Read(ref _inFlight));

    public ClusterConfig Config { get; }

    public string Name => Config.Name;

    public ClusterClient Client { get; }

    /// <summary>Every destination, in config (or discovery) order, whatever its state.</summary>
    public IReadOnlyList<DestinationState> Destinations => _availability.Destinations;

    /// <summary>Ejections, health and panic mode: which destinations take calls. Replaced with the destination set.</summary>
    public ClusterAvailability Availability => _availability;

    /// <summary>
    /// Completes at the next gateway failure (connect failure, reset, UNAVAILABLE) of any destination after the last
    /// one a caller saw: DNS discovery resolves again early, as Envoy's STRICT_DNS does when hosts fail.
    /// </summary>
    public Task NextGatewayFailure
    {
        get
        {
            var signal = Volatile.Read(ref _gatewayFailure);
            if (signal.Task.IsCompleted)
            {
                var fresh = NewSignal();
                signal = Interlocked.CompareExchange(ref _gatewayFailure, fresh, signal) == signal ? fresh : Volatile.Read(ref _gatewayFailure);
            }

            return signal.Task;
        }
    }

    /// <summary>
    /// Replaces the destination set atomically (service discovery publishes here), by the rules of a reload:
    /// destinations whose name and address stay keep their state (in-flight count, counters, ejection, health) and,
    /// since the client is kept, their warm connections; new ones start fresh; removed ones take no new calls and
    /// finish the calls they have. Returns false, changing nothing, once a reload has replaced this cluster (its
    /// successor owns the destinations) or it was retired.
    /// </summary>
    public bool ReplaceDestinations(IReadOnlyList<DestinationConfig> destinations)
    {
        lock (_membersLock)
        {
            if (_superseded || _retired)
            {
                return false;
            }

            var before = _availability;
            before.Stop();
            _availability = Build(destinations, before.Destinations, before);
            return true;
        }
    }

    /// <summary>
    /// The load-balancing policy's choice among the available destinations (all of them in panic mode); null when
    /// none is available and panic mode is off.
    /// </summary>
    public DestinationState? PickDestination() => _picker.Pick(Availability.PickSet);

    /// <summary>
    /// The pick for a retry: the policy's choice unless that destination was tried already, else the first one not yet
    /// tried (Envoy's previous-hosts predicate), else the policy's choice again when every destination was tried.
    /// </summary>
    public DestinationState? PickDestination(IReadOnlyList<DestinationState> tried)
    {
        var candidates = Availability.PickSet;
        var picked = _picker.Pick(candidates);
        if (picked is null || tried.Count == 0 || !Contains(tried, picked))
        {
            return picked;
        }

        for (var i = 0; i < candidates.Count; i++)
        {
            var destination = candidates[i];
            if (!Contains(tried, destination))
            {
                return destination;
            }
        }

        return picked;
    }

    /// <summary>True once the client is disposed (diagnostics and tests).</summary>
    public bool ClientDisposed => Volatile.Read(ref _inFlight) < 0;

    /// <summary>Counts a call that is about to use <see cref="Client"/>; pair with <see cref="EndCall"/>.</summary>
    public void BeginCall() => Interlocked.Increment(ref _inFlight);

    /// <summary>Ends a call; the last call on a retired cluster disposes its client.</summary>
    public void EndCall()
    {
        if (Interlocked.Decrement(ref _inFlight) == 0 && _retired)
        {
            DisposeIfIdle();
        }
    }

    /// <summary>
    /// Marks the cluster as no longer in any snapshot: its client is disposed now when no call uses it, or else
    /// when the last call ends.
    /// </summary>
    public void Retire()
    {
        Availability.Stop();
        _retired = true;
        DisposeIfIdle();
    }

    public void Dispose()
    {
        Availability.Stop();
        Interlocked.Exchange(ref _inFlight, -1);
        Client.Dispose();
    }

    private static bool Contains(IReadOnlyList<DestinationState> tried, DestinationState destination)
    {
        for (var i = 0; i < tried.Count; i++)
        {
            if (ReferenceEquals(tried[i], destination))
            {
                return true;
            }
        }

        return false;
    }

    private static DestinationState? Find(IReadOnlyList<DestinationState> destinations, string name, string prefix)
    {
        foreach (var destination in destinations)
        {
            if (destination.Name == name && destination.Prefix == prefix)
            {
                return destination;
            }
        }

        return null;
    }

    // The same discovery source (name and port, or Service) yields the same destinations, so a reload that changed
    // only policy keeps them until the next lookup says otherwise.
    private static bool SameSource(ClusterConfig previous, ClusterConfig next) =>
        previous.Dns?.Address == next.Dns?.Address && Equals(previous.Kubernetes, next.Kubernetes);

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Hands this cluster's destinations to a successor built by a reload; later replacements are refused.</summary>
    private (IReadOnlyList<DestinationState> Destinations, ClusterAvailability Availability) Supersede()
    {
        lock (_membersLock)
        {
            _superseded = true;
            var availability = _availability;
            availability.Stop();
            return (availability.Destinations, availability);
        }
    }

    // Adopts the destinations that stay (same name and address) and builds the availability that now owns them; the
    // predecessor's logger and listener carry over until the hosting layer next attaches them.
    private ClusterAvailability Build(IReadOnlyList<DestinationConfig> configs, IReadOnlyList<DestinationState> adoptable, ClusterAvailability? before)
    {
        var destinations = new DestinationState[configs.Count];
        for (var i = 0; i < destinations.Length; i++)
        {
            var d = configs[i];
            var prefix = d.Address.TrimEnd('/');
            destinations[i] = Find(adoptable, d.Name, prefix) ?? new DestinationState(d.Name, prefix);
        }

        var availability = new ClusterAvailability(Config, destinations, _time);
        if (before is not null)
        {
            availability.Logger = before.Logger;
            availability.Listener = before.Listener;
        }

        if (Config.Discovered)
        {
            availability.GatewayFailed = SignalGatewayFailure;
        }

        return availability;
    }

    private void SignalGatewayFailure() => Volatile.Read(ref _gatewayFailure).TrySetResult();

    private void DisposeIfIdle()
    {
        if (Interlocked.CompareExchange(ref _inFlight, -1, 0) == 0)
        {
            Client.Dispose();
        }
    }
}
