using Microsoft.AspNetCore.Http;

namespace MeshProxy.TrafficPolicy;

/// <summary>
/// Picks the cluster of a call among a route's weighted backends (a canary split when there are several). One
/// backend short-circuits; zero-weight backends are never chosen.
/// <para>
/// Sticky split (<c>hashOn</c>): the header's value is hashed with <see cref="StableHash"/> into one of
/// <see cref="StableHash.BucketCount"/> buckets, and the backends own contiguous bucket ranges in config order, each
/// as wide as its share of the total weight. So a value always lands on the same backend on every replica, and
/// moving weight from one backend to the next (90/10 to 80/20) moves only the values in the buckets that changed
/// hands. Calls without the header get the weighted random pick. Randomness is injected for deterministic tests
/// and must be safe for concurrent use (<see cref="Random.Shared"/> in production).
/// </para>
/// </summary>
internal sealed class BackendPicker
{
    private readonly ClusterState[] _clusters;
    private readonly int[] _cumulativeWeights;
    private readonly int[] _bucketEnds;
    private readonly int _totalWeight;
    private readonly Random _random;
    private readonly string? _hashHeader;

    /// <param name="backends">The route's backends in config order.</param>
    /// <param name="random">Source of the weighted random pick.</param>
    /// <param name="hashHeader">Header whose value makes the pick sticky; null for a random split.</param>
    public BackendPicker(IEnumerable<(ClusterState Cluster, int Weight)> backends, Random random, string? hashHeader = null)
    {
        _random = random;
        _hashHeader = hashHeader;
        var clusters = new List<ClusterState>();
        var cumulative = new List<int>();
        foreach (var (cluster, weight) in backends)
        {
            if (weight > 0)
            {
                _totalWeight = checked(_totalWeight + weight);
                clusters.Add(cluster);
                cumulative.Add(_totalWeight);
            }
        }

        if (clusters.Count == 0)
        {
            throw new ArgumentException("A route needs at least one backend with a positive weight.", nameof(backends));
        }

        _clusters = [.. clusters];
        _cumulativeWeights = [.. cumulative];
        AllLean = Array.TrueForAll(_clusters, static cluster => cluster.Client.Retries.IsLean);

        // Bucket ranges: backend i owns [end(i-1), end(i)) with end = floor(cumulative weight * buckets / total).
        // Computed from cumulative weights, never by rounding each share on its own, so the ranges tile all buckets
        // exactly and a backend's start depends only on the weights before it.
        _bucketEnds = new int[_clusters.Length];
        for (var i = 0; i < _bucketEnds.Length; i++)
        {
            _bucketEnds[i] = (int)((long)_cumulativeWeights[i] * StableHash.BucketCount / _totalWeight);
        }
    }

    /// <summary>The backends that can be picked (positive weight), in config order.</summary>
    public IReadOnlyList<ClusterState> Clusters => _clusters;

    /// <summary>Every backend sends through the lean HTTP/2 client, which can send the caller's headers as the call took them.</summary>
    public bool AllLean { get; }

    /// <summary>The header that makes the pick sticky, or null.</summary>
    public string? HashHeader => _hashHeader;

    /// <summary>Picks for a call: by the hash header's value when the route has one and the call sends it, else at random.</summary>
    public ClusterState Pick(IHeaderDictionary headers)
    {
        if (_clusters.Length == 1)
        {
            return _clusters[0];
        }

        if (_hashHeader is not null)
        {
            // A repeated header hashes its first value: the one a client sets deliberately.
            var values = headers[_hashHeader];
            if (values.Count > 0 && values[0] is { Length: > 0 } value)
            {
                return PickByBucket(StableHash.Bucket(value));
            }
        }

        return Pick();
    }

    /// <summary>The weighted random pick.</summary>
    public ClusterState Pick()
    {
        if (_clusters.Length == 1)
        {
            return _clusters[0];
        }

        var roll = _random.Next(_totalWeight);
        var weights = _cumulativeWeights;
        for (var i = 0; i < weights.Length; i++)
        {
            if (roll < weights[i])
            {
                return _clusters[i];
            }
        }

        return _clusters[^1];
    }

    /// <summary>The backend owning <paramref name="bucket"/> (in [0, <see cref="StableHash.BucketCount"/>)).</summary>
    public ClusterState PickByBucket(int bucket)
    {
        var ends = _bucketEnds;
        for (var i = 0; i < ends.Length; i++)
        {
            if (bucket < ends[i])
            {
                return _clusters[i];
            }
        }

        return _clusters[^1];
    }
}
