namespace MeshProxy.TrafficPolicy;

/// <summary>
/// Each destination in turn; lock-free, one counter per cluster. While slow start ramps some destinations and not
/// others, the pick is a weighted random one by the ramp's factors instead (Envoy weighs its round robin the same way);
/// when every factor is equal (all full, or all adopted together at process start) the rotation is unchanged.
/// </summary>
/// <param name="ramp">The cluster's slow start; null for none.</param>
/// <param name="random">Randomness for the weighted pick; safe for concurrent use (<see cref="Random.Shared"/> in production).</param>
internal sealed class RoundRobinPicker(SlowStartRamp? ramp = null, Random? random = null) : IDestinationPicker
{
    private int _counter = -1;

    public DestinationState? Pick(IReadOnlyList<DestinationState> destinations)
    {
        var count = destinations.Count;
        if (count == 0)
        {
            return null;
        }

        if (ramp is not null && count > 1 && WeightedPick(destinations, ramp) is { } weighted)
        {
            return weighted;
        }

        // uint keeps the index non-negative when the counter wraps past int.MaxValue.
        var next = (uint)Interlocked.Increment(ref _counter);
        return destinations[(int)(next % (uint)count)];
    }

    // Null when every destination has the same factor: the rotation then gives each its equal share.
    private DestinationState? WeightedPick(IReadOnlyList<DestinationState> destinations, SlowStartRamp slowStart)
    {
        var now = slowStart.Now();
        var total = 0.0;
        var min = double.MaxValue;
        var max = 0.0;
        for (var i = 0; i < destinations.Count; i++)
        {
            var factor = slowStart.Factor(destinations[i], now);
            total += factor;
            min = Math.Min(min, factor);
            max = Math.Max(max, factor);
        }

        if (min == max)
        {
            return null;
        }

        var x = (random ?? Random.Shared).NextDouble() * total;
        for (var i = 0; i < destinations.Count; i++)
        {
            x -= slowStart.Factor(destinations[i], now);
            if (x < 0)
            {
                return destinations[i];
            }
        }

        return destinations[^1];
    }
}
