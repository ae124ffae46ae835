namespace MeshProxy.TrafficPolicy.Health;

/// <summary>One kind of active health probe (gRPC or HTTP) of a cluster's destinations.</summary>
internal interface IHealthProbe : IDisposable
{
    /// <summary>
    /// Probes <paramref name="destination"/> once: null when it passed, else why it failed (for logs). The token
    /// fires on the probe's timeout or when checks stop; the caller tells the two apart.
    /// </summary>
    Task<string?> ProbeAsync(DestinationState destination, CancellationToken cancellationToken);
}
