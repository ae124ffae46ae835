using MeshProxy.Observability;

namespace MeshProxy.TrafficPolicy;

/// <summary>Active health: probe results turn into healthy and unhealthy marks by the configured thresholds.</summary>
internal sealed partial class ClusterAvailability
{
    /// <summary>Records one probe of <paramref name="destination"/>; <paramref name="failure"/> is null when it passed.</summary>
    internal void OnProbe(DestinationState destination, string? failure)
    {
        if (_healthCheck is not { } check)
        {
            return;
        }

        lock (_lock)
        {
            if (_stopped)
            {
                return;
            }

            if (failure is null)
            {
                destination.ConsecutiveCheckFailures = 0;
                var passed = ++destination.ConsecutiveCheckSuccesses;

                // Unknown counts as healthy already, so its first pass settles it; an unhealthy destination must
                // pass healthyThreshold probes in a row.
                if (destination.Health == DestinationHealth.Unknown
                    || (destination.Health == DestinationHealth.Unhealthy && passed >= check.HealthyThreshold))
                {
                    var wasUnhealthy = destination.Health == DestinationHealth.Unhealthy;
                    destination.SetHealth(DestinationHealth.Healthy);
                    if (wasUnhealthy)
                    {
                        destination.StartWarmup(_time.GetTimestamp());
                        TrafficPolicyHealthLog.DestinationHealthy(_logger, _cluster, destination.Name, passed);
                        Rebuild();
                    }
                }

                return;
            }

            destination.ConsecutiveCheckSuccesses = 0;
            var failed = ++destination.ConsecutiveCheckFailures;
            TrafficPolicyHealthLog.HealthCheckFailed(_logger, _cluster, destination.Name, failure);
            if (destination.Health != DestinationHealth.Unhealthy && failed >= check.UnhealthyThreshold)
            {
                destination.SetHealth(DestinationHealth.Unhealthy);
                TrafficPolicyHealthLog.DestinationUnhealthy(_logger, _cluster, destination.Name, failed, failure);
                Rebuild();
            }
        }
    }
}
