namespace MeshProxy.TrafficPolicy;

/// <summary>
/// Two distinct destinations at random; the one with fewer calls in flight wins (the first drawn on a tie). Unlike
/// least requests, many sidecars sharing a view of one idle destination do not all pile onto it
/// (Mitzenmacher, "The Power of Two Choices in Randomized Load Balancing"). Randomness is injected for tests and
/// must be safe for concurrent use (<see cref="Random.Shared"/> in production).
/// </summary>
internal sealed class PowerOfTwoChoicesPicker(Random random) : IDestinationPicker
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
        return b.InFlight < a.InFlight ? b : a;
    }
}
