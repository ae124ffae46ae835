using MeshProxy.Configuration;

namespace MeshProxy.TrafficPolicy;

/// <summary>
/// The live side of a cluster: its HTTP client and destinations. Built from an immutable <see cref="ClusterConfig"/>
/// and kept across config reloads while that config is equal, so warm HTTP/2 connections survive a reload.
/// </summary>
internal sealed class ClusterState : IDisposable
{
    private readonly IDestinationPicker _picker;

    public ClusterState(ClusterConfig config, HttpMessageInvoker client)
    {
        Config = config;
        Client = client;
        Destinations = config.Destinations.Select(d => new DestinationState(d.Name, d.Address.TrimEnd('/'))).ToArray();
        _picker = config.LoadBalancing switch
        {
            LoadBalancingKind.RoundRobin => new RoundRobinPicker(),
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
