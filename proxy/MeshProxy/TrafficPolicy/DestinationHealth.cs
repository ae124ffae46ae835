namespace MeshProxy.TrafficPolicy;

/// <summary>What active health checks say about a destination.</summary>
internal enum DestinationHealth
{
    /// <summary>No probe has decided yet (or the cluster has no health check): counts as healthy.</summary>
    Unknown,

    /// <summary>Passed its last probes.</summary>
    Healthy,

    /// <summary>Failed <c>unhealthyThreshold</c> probes in a row: out of the picks until it passes again.</summary>
    Unhealthy,
}
