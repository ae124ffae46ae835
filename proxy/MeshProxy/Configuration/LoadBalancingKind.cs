namespace MeshProxy.Configuration;

/// <summary>How a cluster picks a destination for a call.</summary>
internal enum LoadBalancingKind
{
    /// <summary>Each destination in turn.</summary>
    RoundRobin,
}
