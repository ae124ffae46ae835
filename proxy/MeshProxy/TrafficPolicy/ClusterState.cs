using MeshProxy.Configuration;

namespace MeshProxy.TrafficPolicy;

/// <summary>
/// The live side of a cluster: its HTTP client and destinations. Built from an immutable <see cref="ClusterConfig"/>
/// and kept across config reloads while that config is equal, so warm HTTP/2 connections survive a reload.
/// </summary>
internal sealed class ClusterState : IDisposable
{
    private readonly IDestinationPicker _picker;

    /// <param name="config">The cluster's config.</param>
    /// <param name="client">The cluster's HTTP client.</param>
    /// <param name="random">Randomness for powerOfTwoChoices; safe for concurrent use. Default <see cref="Random.Shared"/>.</param>
    public ClusterState(ClusterConfig config, HttpMessageInvoker client, Random? random = null)
    {
        Config = config;
        Client = client;
        Destinations = config.Destinations.Select(d => new DestinationState(d.Name, d.Address.TrimEnd('/'))).ToArray();
        _picker = config.LoadBalancing switch
        {
            LoadBalancingKind.RoundRobin => new RoundRobinPicker(),
            LoadBalancingKind.LeastRequests => new LeastRequestsPicker(),
            LoadBalancingKind.PowerOfTwoChoices => new PowerOfTwoChoicesPicker(random ?? Random.Shared),
            _ => throw new ArgumentOutOfRangeException(nameof(config), config.LoadBalancing, "Unknown load-balancing policy."),
        };
    }

    public ClusterConfig Config { get; }

    public string Name => Config.Name;

    public HttpMessageInvoker Client { get; }

    public IReadOnlyList<DestinationState> Destinations { get; }

    public DestinationState? PickDestination() => _picker.Pick(Destinations);

    public void Dispose() => Client.Dispose();
}
