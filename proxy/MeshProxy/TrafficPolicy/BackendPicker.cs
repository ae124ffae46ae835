namespace MeshProxy.TrafficPolicy;

/// <summary>
/// Picks the cluster of a call among a route's weighted backends (a canary split when there are several). One
/// backend short-circuits; zero-weight backends are never chosen. Randomness is injected for deterministic tests.
/// </summary>
internal sealed class BackendPicker
{
    private readonly (ClusterState Cluster, int CumulativeWeight)[] _backends;
    private readonly int _totalWeight;
    private readonly Random _random;

    public BackendPicker(IEnumerable<(ClusterState Cluster, int Weight)> backends, Random random)
    {
        _random = random;
        var list = new List<(ClusterState, int)>();
        foreach (var (cluster, weight) in backends)
        {
            if (weight > 0)
            {
                _totalWeight += weight;
                list.Add((cluster, _totalWeight));
            }
        }

        _backends = list.ToArray();
    }

    public ClusterState Pick()
    {
        if (_backends.Length == 1)
        {
            return _backends[0].Cluster;
        }

        var roll = _random.Next(_totalWeight);
        foreach (var (cluster, cumulative) in _backends)
        {
            if (roll < cumulative)
            {
                return cluster;
            }
        }

        return _backends[^1].Cluster;
    }
}
