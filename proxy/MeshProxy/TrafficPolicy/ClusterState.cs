using MeshProxy.Configuration;
using MeshProxy.TrafficPolicy.Retries;

namespace MeshProxy.TrafficPolicy;

/// <summary>
/// The live side of a cluster: its HTTP client, destinations and their availability. Built from an immutable <see cref="ClusterConfig"/>
/// and kept across config reloads while that config is equal, so warm HTTP/2 connections survive a reload.
/// </summary>
internal sealed class ClusterState : IDisposable
{
    private readonly IDestinationPicker _picker;

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
    /// are kept (with their in-flight counts, ejections and health), and the previous state stops acting on them.
    /// </param>
    public ClusterState(ClusterConfig config, HttpMessageInvoker client, Random? random = null, TimeProvider? time = null, ClusterState? previous = null)
    {
        Config = config;
        Client = client;
        previous?.Availability.Stop();
        var destinations = new DestinationState[config.Destinations.Count];
        for (var i = 0; i < destinations.Length; i++)
        {
            var d = config.Destinations[i];
            var prefix = d.Address.TrimEnd('/');
            destinations[i] = previous?.Find(d.Name, prefix) ?? new DestinationState(d.Name, prefix);
        }

        Destinations = destinations;
        Availability = new ClusterAvailability(config, destinations, time ?? TimeProvider.System);
        if (previous is not null)
        {
            // Until the hosting layer next attaches them, the rebuilt cluster reports where its predecessor did.
            Availability.Logger = previous.Availability.Logger;
            Availability.Listener = previous.Availability.Listener;
        }
        _picker = config.LoadBalancing switch
        {
            LoadBalancingKind.RoundRobin => new RoundRobinPicker(),
            LoadBalancingKind.LeastRequests => new LeastRequestsPicker(),
            LoadBalancingKind.PowerOfTwoChoices => new PowerOfTwoChoicesPicker(random ?? Random.Shared),
            _ => throw new ArgumentOutOfRangeException(nameof(config), config.LoadBalancing, "Unknown load-balancing policy."),
        };
        RetryBudget = new RetryBudget(config.RetryBudget);
    }

    /// <summary>The cap on retries in flight in this cluster.</summary>
    public RetryBudget RetryBudget { get; }

    /// <summary>Calls using this cluster now (its retries included): the base of the retry budget.</summary>
    public int ActiveCalls => Math.Max(0, Volatile.Read(ref _inFlight));

    public ClusterConfig Config { get; }

    public string Name => Config.Name;

    public HttpMessageInvoker Client { get; }

    /// <summary>Every destination, in config order, whatever its state.</summary>
    public IReadOnlyList<DestinationState> Destinations { get; }

    /// <summary>Ejections, health and panic mode: which destinations take calls.</summary>
    public ClusterAvailability Availability { get; }

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

    private DestinationState? Find(string name, string prefix)
    {
        foreach (var destination in Destinations)
        {
            if (destination.Name == name && destination.Prefix == prefix)
            {
                return destination;
            }
        }

        return null;
    }

    private void DisposeIfIdle()
    {
        if (Interlocked.CompareExchange(ref _inFlight, -1, 0) == 0)
        {
            Client.Dispose();
        }
    }
}
