using MeshProxy.Observability;

namespace MeshProxy.TrafficPolicy;

/// <summary>
/// Outlier ejection (Envoy's consecutive gateway failure, consecutive 5xx and consecutive local-origin failure
/// detectors, gRPC-aware).
/// </summary>
internal sealed partial class ClusterAvailability
{
    /// <summary>
    /// Called by <see cref="DestinationState.Record"/> after a failure with the counters it reached. A counter
    /// equal to its threshold ejects at once; each counter passes a given value once, so concurrent failures decide
    /// exactly one ejection.
    /// </summary>
    internal void OnFailure(DestinationState destination, int gatewayFailures, int serverErrors)
    {
        if (gatewayFailures > 0)
        {
            GatewayFailed?.Invoke();
        }

        var gatewayThreshold = _outlier.ConsecutiveGatewayFailures;
        var serverThreshold = _outlier.ConsecutiveServerErrors;
        if (gatewayThreshold > 0 && gatewayFailures == gatewayThreshold)
        {
            TryEject(destination, gatewayFailures, "gateway failures", "consecutive_gateway_failure");
        }
        else if (serverThreshold > 0 && serverErrors == serverThreshold)
        {
            TryEject(destination, serverErrors, "server errors", "consecutive_5xx");
        }
    }

    /// <summary>
    /// Called by <see cref="DestinationState.Record"/> after a local-origin failure when the cluster splits them from
    /// the backend's own (Envoy's <c>consecutive_local_origin_failure</c>): its own counter, its own threshold.
    /// </summary>
    internal void OnLocalOriginFailure(DestinationState destination, AttemptOutcome outcome, int localFailures)
    {
        if (outcome == AttemptOutcome.GatewayFailure)
        {
            // A connect failure still tells discovery its addresses may be stale.
            GatewayFailed?.Invoke();
        }

        var threshold = _outlier.ConsecutiveLocalOriginFailures;
        if (threshold > 0 && localFailures == threshold)
        {
            TryEject(destination, localFailures, "local-origin failures", "consecutive_local_origin_failure");
        }
    }

    /// <summary>
    /// Returns destinations whose ejection is over and decays the multiplier of those that stayed in for a whole
    /// interval; runs on the interval timer (tests call it directly).
    /// </summary>
    internal void Tick()
    {
        lock (_lock)
        {
            if (_stopped)
            {
                return;
            }

            var now = _time.GetTimestamp();
            var changed = false;
            foreach (var destination in _all)
            {
                if (destination.Ejected)
                {
                    if (now >= destination.EjectedUntil)
                    {
                        destination.MarkReturned();
                        destination.StartWarmup(now);
                        changed = true;
                        TrafficPolicyHealthLog.DestinationReturned(_logger, _cluster, destination.Name);
                        _listener?.DestinationReturned(_cluster, destination.Name);
                    }
                }
                else if (!destination.EjectedThisInterval && destination.EjectionMultiplier > 0 && destination.Health != DestinationHealth.Unhealthy)
                {
                    // Envoy: each interval in which a host is neither ejected nor failing takes one off its multiplier.
                    destination.EjectionMultiplier--;
                }

                destination.EjectedThisInterval = false;
            }

            if (changed)
            {
                Rebuild();
            }
        }
    }

    private void TryEject(DestinationState destination, int count, string reason, string rule)
    {
        lock (_lock)
        {
            // Envoy resets the counter it acted on whether or not it ejected, so a host kept by the percent limit
            // needs a fresh run of failures to be considered again.
            destination.ResetConsecutive();
            if (_stopped || destination.Ejected)
            {
                return;
            }

            // maxEjectionPercent counts the host about to be ejected (Envoy >= 1.21: ejected share after ejecting
            // <= max). There is no "always eject one" exception, so 10% of 3 hosts ejects none.
            var ejected = 0;
            foreach (var d in _all)
            {
                ejected += d.Ejected ? 1 : 0;
            }

            if ((ejected + 1) * 100 > _outlier.MaxEjectionPercent * _all.Length)
            {
                TrafficPolicyHealthLog.EjectionRefused(_logger, _cluster, destination.Name, count, reason, _outlier.MaxEjectionPercent, ejected, _all.Length);
                return;
            }

            // Ejection time = base × multiplier, capped at max; the multiplier stops growing once the cap is reached,
            // so decay starts from the cap rather than from an unbounded count.
            var baseTime = _outlier.BaseEjectionTime;
            var maxTime = _outlier.MaxEjectionTime < baseTime ? baseTime : _outlier.MaxEjectionTime;
            var cap = (int)Math.Min(int.MaxValue, (maxTime.Ticks + baseTime.Ticks - 1) / baseTime.Ticks);
            var multiplier = Math.Min(destination.EjectionMultiplier + 1, cap);
            var duration = TimeSpan.FromTicks(Math.Min(maxTime.Ticks, baseTime.Ticks * multiplier));
            var until = _time.GetTimestamp() + (long)(duration.Ticks * (_time.TimestampFrequency / (double)TimeSpan.TicksPerSecond));
            destination.MarkEjected(until, multiplier);
            TrafficPolicyHealthLog.DestinationEjected(_logger, _cluster, destination.Name, duration, count, reason, destination.TimesEjected);
            _listener?.DestinationEjected(_cluster, destination.Name, rule);
            Rebuild();
        }
    }
}
