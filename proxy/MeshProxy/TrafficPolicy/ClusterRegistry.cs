using MeshProxy.Configuration;
using MeshProxy.Security;

namespace MeshProxy.TrafficPolicy;

/// <summary>
/// Owns the live <see cref="ClusterState"/>s. Applying a config keeps the state (and warm connections) of every
/// cluster whose config is equal (record equality) and builds the rest; a rebuilt cluster keeps the destinations
/// whose name and address did not change, with their ejections and health.
/// </summary>
/// <remarks>
/// A cluster that leaves the config is retired in two steps: first a grace period, because a call may have read the
/// previous snapshot a moment ago and not yet started on the client; then <see cref="ClusterState.Retire"/>, which
/// disposes the client once its last in-flight call ends. A live stream is never cut by a reload.
/// </remarks>
internal sealed class ClusterRegistry : IDisposable
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _retireAfter;
    private readonly Dictionary<ClusterState, ITimer> _retiring = [];
    private readonly Random _random;
    private readonly WorkloadIdentity? _identity;
    private Dictionary<string, ClusterState> _clusters = new(StringComparer.Ordinal);
    private bool _disposed;

    /// <param name="time">Times the grace period of retired clusters.</param>
    /// <param name="retireAfter">Grace period before a removed cluster is retired.</param>
    /// <param name="random">Randomness for powerOfTwoChoices; safe for concurrent use. Default <see cref="Random.Shared"/>.</param>
    /// <param name="identity">The workload certificate clusters with <c>tls:</c> present; null without a <c>tls:</c> section.</param>
    public ClusterRegistry(TimeProvider time, TimeSpan retireAfter, Random? random = null, WorkloadIdentity? identity = null)
    {
        _identity = identity;
        _time = time;
        _retireAfter = retireAfter;
        _random = random ?? Random.Shared;
    }

    public IReadOnlyDictionary<string, ClusterState> Apply(IEnumerable<ClusterConfig> configs)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var next = new Dictionary<string, ClusterState>(StringComparer.Ordinal);
            foreach (var config in configs)
            {
                _clusters.TryGetValue(config.Name, out var existing);
                next[config.Name] = existing is not null && existing.Config.Equals(config)
                    ? existing
                    : new ClusterState(config, ClusterClientFactory.Create(config, _identity), _random, _time, previous: existing);
            }

            foreach (var old in _clusters.Values)
            {
                if (!next.ContainsValue(old))
                {
                    var retired = old;
                    _retiring[old] = _time.CreateTimer(_ => Retire(retired), null, _retireAfter, Timeout.InfiniteTimeSpan);
                }
            }

            _clusters = next;
            return next;
        }
    }

    /// <summary>The clusters of the last applied config, by name (health checks and the admin listener read them).</summary>
    public IReadOnlyDictionary<string, ClusterState> Current
    {
        get
        {
            lock (_lock)
            {
                return _clusters;
            }
        }
    }

    /// <summary>Clusters replaced by a reload whose grace period has not ended yet (diagnostics and tests).</summary>
    public int RetiringCount
    {
        get
        {
            lock (_lock)
            {
                return _retiring.Count;
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (var (state, timer) in _retiring)
            {
                timer.Dispose();
                state.Dispose();
            }

            foreach (var state in _clusters.Values)
            {
                state.Dispose();
            }

            _clusters.Clear();
            _retiring.Clear();
        }
    }

    private void Retire(ClusterState state)
    {
        lock (_lock)
        {
            if (_disposed || !_retiring.Remove(state, out var timer))
            {
                return;
            }

            timer.Dispose();
        }

        state.Retire();
    }
}
