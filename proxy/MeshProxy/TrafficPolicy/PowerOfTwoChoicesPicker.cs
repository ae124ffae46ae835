namespace MeshProxy.TrafficPolicy;

/// <summary>
/// Two distinct destinations at random; the one with fewer calls in flight wins (the first drawn on a tie). Unlike
/// least requests, many sidecars sharing a view of one idle destination do not all pile onto it
/// (Mitzenmacher, "The Power of Two Choices in Randomized Load Balancing"). Randomness is injected for tests and
/// must be safe for concurrent use (<see cref="Random.Shared"/> in production). With slow start (<paramref name="ramp"/>,
/// null for none) the two are compared by (in flight + 1) / factor, so a ramping destination wins fewer draws.
/// </summary>
internal sealed class PowerOfTwoChoicesPicker(Random random, SlowStartRamp? ramp = null) : IDestinationPicker
{
    public DestinationState? Pick(IReadOnlyList<DestinationState> destinations)
    {
        var count = destinations.Count;
        switch (count)
        {
            case 0:
                return null;
            case 1:
                return destinations[0];
        }

        // Draw the second from the other count - 1 slots so the two are always distinct.
        var first = random.Next(count);
        var second = random.Next(count - 1);
        if (second >= first)
        {
            second++;
        }

        var a = destinations[first];
        var b = destinations[second];
        if (ramp is not null)
        {
            var now = ramp.Now();
            return ramp.WeightedLoad(b, now) < ramp.WeightedLoad(a, now) ? b : a;
        }

        return b.InFlight < a.InFlight ? b : a;
    }
}
