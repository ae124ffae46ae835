using MeshProxy.TrafficPolicy;

namespace MeshProxy.Discovery;

/// <summary>Feeds one live cluster's destination set from a discovery source until disposed.</summary>
internal interface IClusterWatcher : IDisposable
{
    /// <summary>The cluster state it publishes into; a reload that rebuilds the cluster gets a new watcher.</summary>
    ClusterState Cluster { get; }

    /// <summary>Completes after the first lookup or list, whatever its outcome (start-up waits for it).</summary>
    Task FirstLookup { get; }
}
