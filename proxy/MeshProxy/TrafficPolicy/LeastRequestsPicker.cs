namespace MeshProxy.TrafficPolicy;

/// <summary>
/// The destination with the fewest calls in flight; ties go to the earliest in config order. One linear scan, no
/// allocation. Counts are read without a lock: two concurrent picks may choose the same destination, which is fine.
/// With slow start, a ramping destination's count is weighed by its factor, (in flight + 1) / factor, so at 10 % of
/// its weight it is picked only when the others hold ten calls more.
/// </summary>
/// <param name="ramp">The cluster's slow start; null for none.</param>
internal sealed class LeastRequestsPicker(SlowStartRamp? ramp = null) : IDestinationPicker
{
    public DestinationState? Pick(IReadOnlyList<DestinationState> destinations)
    {
        var count = destinations.Count;
        if (count == 0)
        {
            return null;
        }

        if (ramp is not null)
        {
            return WeightedPick(destinations, ramp);
        }

        var best = destinations[0];
        var bestLoad = best.InFlight;
        for (var i = 1; i < count && bestLoad > 0; i++)
        {
            var candidate = destinations[i];
            var load = candidate.InFlight;
            if (load < bestLoad)
            {
                best = candidate;
                bestLoad = load;
            }
        }

        return best;
    }

    private static DestinationState WeightedPick(IReadOnlyList<DestinationState> destinations, SlowStartRamp slowStart)
    {
        var now = slowStart.Now();
        var best = destinations[0];
        var bestLoad = slowStart.WeightedLoad(best, now);
        for (var i = 1; i < destinations.Count; i++)
        {
            var candidate = destinations[i];
            var load = slowStart.WeightedLoad(candidate, now);
            if (load < bestLoad)
            {
                best = candidate;
                bestLoad = load;
            }
        }

        return best;
    }
}
