namespace MeshProxy.TrafficPolicy;

/// <summary>
/// The destination with the fewest calls in flight; ties go to the earliest in config order. One linear scan, no
/// allocation. Counts are read without a lock: two concurrent picks may choose the same destination, which is fine.
/// </summary>
internal sealed class LeastRequestsPicker : IDestinationPicker
{
    public DestinationState? Pick(IReadOnlyList<DestinationState> destinations)
    {
        var count = destinations.Count;
        if (count == 0)
        {
            return null;
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
}
