namespace MeshProxy.TrafficPolicy;

/// <summary>
/// Each destination in turn; lock-free, one counter per cluster. While slow start ramps some destinations and not
/// others, the pick is a weighted random one by the ramp's factors instead (Envoy weighs its round robin the same way);
/// when every factor is equal (all full, or all adopted together at process start) the rotation is unchanged.
/// </summary>
/// <remarks>
/// <para>
/// The rotation sees calls in flight (issue 12, a hung backend and the defaults): when the destination whose turn it
/// is holds at least <see cref="InFlightSkew"/> more calls than the least loaded one, the least loaded one (the first
/// after it in the rotation on a tie) takes the call instead. A backend that hangs keeps every call it gets while its
/// peers finish theirs, so after a few calls it stops getting new ones, where plain round robin kept sending it a
/// third of the traffic until the callers' deadlines; a backend that merely runs slower sheds load the same way. While
/// the destinations are balanced (calls one at a time, or spread by the rotation itself and answered alike) the skew
/// stays below the allowance and the order is exactly round robin. Linkerd's and Envoy's least-request balancers see
/// the same signal, and lost as many calls to a hang in bench/chaos.sh (docs/reliability.md, run 3); the rotation is
/// kept because operators and tests rely on its order at low load.
/// </para>
/// <para>
/// The weighted slow-start pick keeps its own weights and is not corrected: its ramp already holds a fresh destination
/// back, and moving calls to the least loaded one would hand them to the very destination that ramps.
/// </para>
/// </remarks>
/// <param name="ramp">The cluster's slow start; null for none.</param>
/// <param name="random">Randomness for the weighted pick; safe for concurrent use (<see cref="Random.Shared"/> in production).</param>
internal sealed class RoundRobinPicker(SlowStartRamp? ramp = null, Random? random = null) : IDestinationPicker
{
    /// <summary>
    /// How many calls in flight a destination may hold above the least loaded one and still take its turn. Two: calls
    /// handed out in turn to destinations that answer alike stay within one of each other (one at a time, never more
    /// than one in flight), so that order is kept, and a hung destination is passed over once it holds two calls more
    /// than the least loaded of its peers. One would break the rotation whenever a call overlaps the next.
    /// </summary>
    internal const int InFlightSkew = 2;

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
        var turn = (int)((uint)Interlocked.Increment(ref _counter) % (uint)count);
        var picked = destinations[turn];
        var load = picked.InFlight;
        if (load < InFlightSkew || count == 1)
        {
            // Nothing to compare: no peer can hold InFlightSkew fewer calls than this one.
            return picked;
        }

        // One scan from the turn on, so ties go to the next in the rotation rather than always to the first listed.
        var least = picked;
        var leastLoad = load;
        for (var i = 1; i < count && leastLoad > 0; i++)
        {
            var candidate = destinations[(turn + i) % count];
            var candidateLoad = candidate.InFlight;
            if (candidateLoad < leastLoad)
            {
                least = candidate;
                leastLoad = candidateLoad;
            }
        }

        return load - leastLoad >= InFlightSkew ? least : picked;
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
