using MeshProxy.Configuration;

namespace MeshProxy.TrafficPolicy;

/// <summary>
/// Owns the live <see cref="ClusterState"/>s. Applying a config keeps the state (and warm connections) of every
/// cluster whose config is equal (record equality) and builds the rest.
/// </summary>
internal sealed class ClusterRegistry(Random? random = null) : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Random _random = random ?? Random.Shared;
    private Dictionary<string, ClusterState> _clusters = new(StringComparer.Ordinal);
    private readonly List<ClusterState> _retired = [];

    public IReadOnlyDictionary<string, ClusterState> Apply(IEnumerable<ClusterConfig> configs)
    {
        lock (_lock)
        {
            var next = new Dictionary<string, ClusterState>(StringComparer.Ordinal);
            foreach (var config in configs)
            {
                next[config.Name] = _clusters.TryGetValue(config.Name, out var existing) && existing.Config.Equals(config)
                    ? existing
                    : new ClusterState(config, ClusterClientFactory.Create(config), _random);
            }

            // Calls in flight may still use a replaced client; it is disposed with the registry, not mid-call.
            _retired.AddRange(_clusters.Values.Where(old => !next.ContainsValue(old)));
            _clusters = next;
            return next;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var state in _clusters.Values.Concat(_retired))
            {
                state.Dispose();
            }

            _clusters.Clear();
            _retired.Clear();
        }
    }
}
