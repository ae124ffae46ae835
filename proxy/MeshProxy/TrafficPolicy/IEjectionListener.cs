namespace MeshProxy.TrafficPolicy;

/// <summary>
/// Hears every ejection and return of a destination (metrics count ejections; the gauges read the destinations).
/// Called under the cluster's availability lock, so it must be quick and must not call back into the cluster. Every
/// ejection is followed by exactly one return while the destination stays in the cluster's config.
/// </summary>
internal interface IEjectionListener
{
    /// <param name="cluster">The cluster's name.</param>
    /// <param name="destination">The destination's name.</param>
    /// <param name="reason">Envoy's name of the rule: <c>consecutive_gateway_failure</c>, <c>consecutive_5xx</c> or <c>consecutive_local_origin_failure</c>.</param>
    void DestinationEjected(string cluster, string destination, string reason);

    void DestinationReturned(string cluster, string destination);
}
